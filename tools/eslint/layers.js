// A local ESLint rule that enforces the import directions of DESIGN.md: lower layers
// never import higher ones, and the engine imports only the model. It resolves relative
// import specifiers against the importing file, so it needs no module resolver.
import path from 'node:path';

/** Which layers each layer may import from. A layer is the first folder under src/. */
export const ALLOWED = {
  model: [],
  lib: [],
  feedback: ['model'],
  signals: ['model', 'lib'],
  discovery: ['model', 'lib'],
  xds: ['model', 'lib'],
  control: ['model', 'lib', 'feedback'],
  status: ['model', 'lib', 'control'],
  http: ['model', 'lib', 'control'],
  // The composition roots may import everything.
  demo: '*',
  app: '*',
};

function layerOf(file, srcRoot) {
  const rel = path.relative(srcRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0] : '(root)';
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the layer import directions of DESIGN.md' },
    schema: [],
    messages: {
      forbidden: "layer '{{from}}' may not import from layer '{{to}}' (allowed: {{allowed}})",
      unknown: "file is in unknown layer '{{from}}': add it to tools/eslint/layers.js",
    },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = path.resolve(context.cwd, 'src');
    const from = layerOf(file, srcRoot);
    if (from === undefined || from === '(root)') return {};
    const allowed = ALLOWED[from];
    function check(node, spec) {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      if (allowed === undefined) {
        context.report({ node, messageId: 'unknown', data: { from } });
        return;
      }
      if (allowed === '*') return;
      const target = path.resolve(path.dirname(file), spec);
      const to = layerOf(target, srcRoot);
      if (to === undefined || to === from) return;
      if (to === '(root)' || !allowed.includes(to)) {
        context.report({
          node,
          messageId: 'forbidden',
          data: { from, to, allowed: allowed.length ? allowed.join(', ') : 'none' },
        });
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
