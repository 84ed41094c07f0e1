// @ts-check
// The line between greenlight and its local cloud (packages/localcloud), as an ESLint rule:
// - greenlight (src/, test/, bench/, scripts/, deployscripts/) reaches the emulator only through its
//   public API, `@greenlight/localcloud` (packages/localcloud/src/index.ts) — never a module behind
//   it, by a relative path or a deep import; greenlight's product code (src/) never uses the
//   package's tests either;
// - the local cloud's sources reach only their own modules and npm packages, never greenlight: an
//   emulator that borrowed the product's code (its appspec parser, say) would agree with the product's
//   bugs instead of catching them.
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const PACKAGE = 'packages/localcloud';
const API = '@greenlight/localcloud';

/** @param {string} path */
const fromRoot = (path) => relative(root, path).split(sep).join('/');
/** @param {string} path @param {string} dir */
const within = (path, dir) => path === dir || path.startsWith(`${dir}/`);

/** @type {import('eslint').Rule.RuleModule} */
export const packageBoundary = {
  meta: {
    type: 'problem',
    docs: {
      description:
        'greenlight reaches the local cloud only through its public API, and not the other way round',
    },
    schema: [],
  },
  create(context) {
    const file = fromRoot(context.filename);
    const inPackage = within(file, PACKAGE);
    const inPackageSources = within(file, `${PACKAGE}/src`);
    /** @param {import('estree').Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (source === API && inPackageSources) {
        context.report({
          node,
          message: `the local cloud's own modules import each other by relative path, not through '${API}'`,
        });
        return;
      }
      if (source.startsWith(`${API}/`) && source !== `${API}/package.json`) {
        context.report({
          node,
          message: `'${source}' reaches behind the local cloud's API: import from '${API}' (packages/localcloud/src/index.ts)`,
        });
        return;
      }
      if (!source.startsWith('.')) {
        if (inPackageSources && (source === 'greenlight' || source.startsWith('greenlight/'))) {
          context.report({
            node,
            message: 'the local cloud does not use greenlight: it is what greenlight is checked against',
          });
        }
        return;
      }
      const target = fromRoot(resolve(dirname(context.filename), source));
      if (inPackageSources && !within(target, `${PACKAGE}/src`)) {
        context.report({
          node,
          message: `'${source}' leaves the local cloud's sources (to ${target}): the emulator reaches only its own modules and npm packages`,
        });
      } else if (!inPackage && within(target, `${PACKAGE}/src`)) {
        context.report({
          node,
          message: `'${source}' reaches behind the local cloud's API: import from '${API}' (packages/localcloud/src/index.ts), and export what is missing there`,
        });
      } else if (within(file, 'src') && within(target, PACKAGE)) {
        context.report({
          node,
          message: `greenlight's product code does not use the local cloud's tests ('${source}')`,
        });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => check(node, node.source?.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : undefined),
    };
  },
};

export default { rules: { 'package-boundary': packageBoundary } };
