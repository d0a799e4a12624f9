/**
 * The tag the logical backup scripts are written with: backslashes are kept as typed (raw strings)
 * and a shell expansion `${...}` is written `\${...}` (the tag turns `\${` back into `${`), so no
 * TypeScript interpolation can slip into a script.
 */
export function bash(strings: TemplateStringsArray, ...values: never[]): string {
  if (values.length > 0) throw new Error('logical backup scripts take no interpolations: write shell expansions as \\${...}');
  return strings.raw.join('').replace(/\\\$\{/g, '${').replace(/^\n/, '');
}
