import { Size, SizeRoundingBehavior } from 'cdk8s';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { 'n': 1e-9, 'u': 1e-6, 'm': 1e-3, '': 1, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18 };

/** The numeric value of a Kubernetes quantity string ("1.5Gi" -> 1610612736, "500m" -> 0.5). */
export function parseQuantity(quantity: string): number {
  const match = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:[eE]([+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(quantity);
  if (!match) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
  const [, number, exponent, suffix] = match;
  if (exponent !== undefined) return Number(number) * 10 ** Number(exponent);
  return Number(number) * (BINARY[suffix ?? ''] ?? DECIMAL[suffix ?? '']);
}

/** PostgreSQL memory setting with the largest unit that keeps it an integer ("256MB", "4GB", "64kB"). */
export function postgresMemory(bytes: number): string {
  // Whole megabytes above 1 MB keep the manifest readable; the precision below that is noise.
  const kib = bytes >= 1024 * 1024 ? Math.floor(bytes / (1024 * 1024)) * 1024 : Math.max(64, Math.floor(bytes / 1024));
  if (kib % (1024 * 1024) === 0) return `${kib / (1024 * 1024)}GB`;
  if (kib % 1024 === 0) return `${kib / 1024}MB`;
  return `${kib}kB`;
}

/** A cdk8s Size as a Kubernetes quantity with the largest binary unit that keeps it whole ("50Gi", "1536Mi"). */
export function sizeQuantity(size: Size): string {
  const kib = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(kib)) return String(Math.round(kib * 1024));
  for (const [unit, factor] of [['Ti', 1024 ** 3], ['Gi', 1024 ** 2], ['Mi', 1024]] as const) {
    if (kib !== 0 && kib % factor === 0) return `${kib / factor}${unit}`;
  }
  return `${kib}Ki`;
}
