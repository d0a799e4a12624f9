import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { parseQuantity, sizeQuantity } from './quantities';
import { Rules, ValidationErrors } from './validation';

/** A container's resources as the API takes them, and the parsed amounts (cores, bytes) that were valid. */
export interface ResolvedContainerResources {
  readonly requirements: k8s.ResourceRequirements;
  readonly cpuRequest?: number;
  readonly cpuLimit?: number;
  readonly memoryRequest?: number;
  readonly memoryLimit?: number;
}

/**
 * Validates cdk8s-plus container resources (every quantity valid and positive, limits not below
 * requests) into the collector, and renders them; `defaults` stand in for an unset cpu or memory.
 * `extra` adds fixed requests/limits (for example ephemeral storage).
 */
export function resolveContainerResources(
  resources: kplus.ContainerResources | undefined,
  defaults: { readonly cpu: kplus.CpuResources; readonly memory: kplus.MemoryResources },
  errors: ValidationErrors,
  extra: { readonly requests?: Record<string, string>; readonly limits?: Record<string, string> } = {},
): ResolvedContainerResources {
  const cpu = resources?.cpu ?? defaults.cpu;
  const memory = resources?.memory ?? defaults.memory;
  const amounts = {
    cpuRequest: cpu.request?.amount,
    cpuLimit: cpu.limit?.amount,
    memoryRequest: memory.request ? sizeQuantity(memory.request) : undefined,
    memoryLimit: memory.limit ? sizeQuantity(memory.limit) : undefined,
  };
  const parse = (property: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const problem = Rules.quantity(value);
    if (problem) {
      errors.add(property, value, problem);
      return undefined;
    }
    const parsed = parseQuantity(value);
    if (parsed <= 0) errors.add(property, value, 'must be greater than zero');
    return parsed;
  };
  const cpuRequest = parse('resources.cpu.request', amounts.cpuRequest);
  const cpuLimit = parse('resources.cpu.limit', amounts.cpuLimit);
  const memoryRequest = parse('resources.memory.request', amounts.memoryRequest);
  const memoryLimit = parse('resources.memory.limit', amounts.memoryLimit);
  if (cpuRequest !== undefined && cpuLimit !== undefined && cpuLimit < cpuRequest) {
    errors.add('resources.cpu.limit', amounts.cpuLimit, `must be at least the request (${amounts.cpuRequest})`);
  }
  if (memoryRequest !== undefined && memoryLimit !== undefined && memoryLimit < memoryRequest) {
    errors.add('resources.memory.limit', amounts.memoryLimit, `must be at least the request (${amounts.memoryRequest})`);
  }
  const quantities = (entries: Record<string, string | undefined>) => {
    const result: Record<string, k8s.Quantity> = {};
    for (const [name, value] of Object.entries(entries)) if (value !== undefined) result[name] = k8s.Quantity.fromString(value);
    return Object.keys(result).length ? result : undefined;
  };
  return {
    requirements: {
      requests: quantities({ cpu: amounts.cpuRequest, memory: amounts.memoryRequest, ...extra.requests }),
      limits: quantities({ cpu: amounts.cpuLimit, memory: amounts.memoryLimit, ...extra.limits }),
    },
    cpuRequest,
    cpuLimit,
    memoryRequest,
    memoryLimit,
  };
}
