// Types of eslint-package-boundary.js, for its test (the rule itself stays plain JavaScript, as the
// ESLint config that loads it is).
import type { ESLint, Rule } from 'eslint';
export declare const packageBoundary: Rule.RuleModule;
declare const plugin: ESLint.Plugin;
export default plugin;
