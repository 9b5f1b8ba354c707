/** How many characters of a policy value a message quotes before cutting it short. */
export const MAX_QUOTED_CHARACTERS = 100;

/**
 * A policy value as a message may quote it: whole when short, otherwise its first
 * `max` characters followed by `… (N characters)`, so a 1 MB string does not make a 1 MB message.
 */
export function clip(value: string, max: number = MAX_QUOTED_CHARACTERS): string {
  const characters = [...value];
  if (characters.length <= max) return value;
  return `${characters.slice(0, max).join('')}… (${characters.length} characters)`;
}
