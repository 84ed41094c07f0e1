// EC2's Filter parameter, for every Describe* operation: each filter names a field of the resource and
// a list of values (with `*` and `?` wildcards); a resource matches when every filter has a value
// that matches one of its field's values. `tag:<key>` filters read the resource's tags.
import * as errors from './errors.js';

export interface Ec2Filter {
  readonly Name?: string;
  readonly Values?: string[];
}

/** Filter name → the values of that field. A Map: names are the caller's (`hasOwnProperty` is unknown, not a method). */
export type FilterFields<T> = ReadonlyMap<string, (resource: T) => string[]>;

/** EC2 filter values accept `*` and `?` wildcards. */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const regex = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return regex.test(value);
}

/** Throws InvalidParameterValue naming the first filter `fields` does not know. */
export function checkFilterNames<T>(fields: FilterFields<T>, filters: readonly Ec2Filter[]): void {
  for (const filter of filters) {
    const name = filter.Name ?? '';
    if (!name.startsWith('tag:') && !fields.has(name)) throw errors.invalidFilter(name);
  }
}

export function matchesFilters<T extends { readonly tags: ReadonlyMap<string, string> }>(
  resource: T,
  filters: readonly Ec2Filter[],
  fields: FilterFields<T>,
): boolean {
  return filters.every((filter) => {
    const name = filter.Name ?? '';
    let values: string[];
    if (name.startsWith('tag:')) {
      const value = resource.tags.get(name.slice(4));
      values = value === undefined ? [] : [value];
    } else {
      const read = fields.get(name);
      if (!read) throw errors.invalidFilter(name);
      values = read(resource);
    }
    return (filter.Values ?? []).some((pattern) => values.some((value) => wildcardMatch(pattern, value)));
  });
}

/** The filters every tagged resource takes. */
export function tagFields<T extends { readonly tags: ReadonlyMap<string, string> }>(): [
  string,
  (resource: T) => string[],
][] {
  return [
    ['tag-key', (r) => [...r.tags.keys()]],
    ['tag-value', (r) => [...r.tags.values()]],
  ];
}
