/**
 * A strict reader of the Prometheus text format 0.0.4 for the watch tests: HELP and TYPE lines, then
 * samples `name{label="value",…} value`; label values unescaped (\\, \", \n). It throws on any line it
 * cannot read, on a sample without a TYPE before it, and on a family declared twice.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly help: ReadonlyMap<string, string>;
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';

export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('The exposition does not end with a line feed.');
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const helpMatch = new RegExp(`^# HELP (?<name>${NAME}) (?<text>.*)$`, 'u').exec(line)?.groups;
    if (helpMatch?.name !== undefined) {
      if (help.has(helpMatch.name)) throw new Error(`HELP twice for ${helpMatch.name}`);
      help.set(helpMatch.name, unescape(helpMatch.text ?? ''));
      continue;
    }
    const typeMatch = new RegExp(`^# TYPE (?<name>${NAME}) (?<type>counter|gauge|histogram|summary|untyped)$`, 'u').exec(line)?.groups;
    if (typeMatch?.name !== undefined && typeMatch.type !== undefined) {
      if (types.has(typeMatch.name)) throw new Error(`TYPE twice for ${typeMatch.name}`);
      types.set(typeMatch.name, typeMatch.type);
      continue;
    }
    const sampleMatch = new RegExp(`^(?<name>${NAME})(?:\\{(?<labels>.*)\\})? (?<value>\\S+)$`, 'u').exec(line)?.groups;
    if (sampleMatch?.name === undefined || sampleMatch.value === undefined) throw new Error(`Unreadable line: ${JSON.stringify(line)}`);
    const name = sampleMatch.name;
    if (!types.has(name)) throw new Error(`Sample of ${name} before its TYPE`);
    samples.push({ name, labels: parseLabels(sampleMatch.labels ?? ''), value: parseValue(sampleMatch.value) });
  }
  return { help, types, samples };
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = /^(?<label>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\[\\"n])*)"(?:,|$)/u.exec(rest);
    const label = match?.groups?.label;
    if (match === null || label === undefined) throw new Error(`Unreadable labels: ${text}`);
    labels[label] = unescape(match.groups?.value ?? '');
    rest = rest.slice(match[0].length);
  }
  return labels;
}

/** `\\n` → line feed, `\\x` → x. */
function unescape(text: string): string {
  return text.replaceAll(/\\(.)/gu, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`Unreadable value: ${text}`);
  return value;
}

/** The value of the one sample with this name and labels (undefined when none). */
export function valueOf(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const matches = exposition.samples.filter((s) => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}
