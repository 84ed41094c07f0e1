// Identifiers in AWS's formats, drawn from the injected random source so runs can be repeated.

const alphanumerics = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const hex = '0123456789abcdef';

function pick(alphabet: string, length: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)] ?? alphabet[0];
  return out;
}

/** `d-` and nine upper-case alphanumerics, like `d-A1B2C3111`. */
export function newDeploymentId(random: () => number): string {
  return `d-${pick(alphanumerics, 9, random)}`;
}

export function newUuid(random: () => number): string {
  const h = pick(hex, 32, random);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)] ?? '8'}${h.slice(17, 20)}-${h.slice(20)}`;
}

/** The suffix AWS appends to the launch hook's name. */
export function newHookSuffix(random: () => number): string {
  return pick(hex, 8, random);
}
