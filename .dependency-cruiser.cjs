/**
 * The layering of src/ (ARCHITECTURE.md §13), checked by `npm test` (npm run lint:deps):
 *  - stages import only downward in LAYERS (a stage never imports one on its own layer or above);
 *  - from outside, a stage is entered only through its door, `src/<stage>/index.ts`;
 *  - no import cycles, type-only imports included.
 * src/daemon/main.ts is the process entry: it sits above every layer and starts the CLI.
 */
const LAYERS = [
  ['platform'],
  ['domain'],
  ['config'],
  ['capture', 'preprocess', 'score'],
  ['model'],
  ['decide'],
  ['actuate'],
  ['events'],
  ['store'],
  ['publish'],
  ['ha', 'modbus', 'opcua', 'sparkplug', 'web'],
  ['daemon'],
  ['cli', 'bench'],
];

const ENTRY = '^src/daemon/main\\.ts$';
const any = (stages) => `^src/(${stages.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, i) => layer.map((stage) => {
  const notBelow = [...layer.filter((s) => s !== stage), ...LAYERS.slice(i + 1).flat()];
  return notBelow.length === 0 ? null : {
    name: `layer-${stage}`,
    comment: `${stage} may import only stages below it: ${LAYERS.slice(0, i).flat().join(', ') || 'none'}`,
    severity: 'error',
    from: { path: `^src/${stage}/`, pathNot: ENTRY },
    to: { path: any(notBelow) },
  };
})).filter(Boolean);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle (type-only imports count): break it by moving the shared piece down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'one-door-per-stage',
      comment: 'Another stage is entered only through its door, src/<stage>/index.ts.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'only-known-stages',
      comment: 'Every folder under src/ is a stage with a place in LAYERS (.dependency-cruiser.cjs).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: [any(LAYERS.flat()), ENTRY] },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },

};
