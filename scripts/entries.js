// The package's JavaScript entry points: `.` is the isomorphic core, the others are Node-only subpaths.
// package.json `exports` lists the same names (test/package/exports.test.ts keeps the two in step); the build
// writes the ESM files and declarations of each.
module.exports.ENTRIES = [
  { name: '.', source: 'src/core.ts' },
  { name: 'rules', source: 'src/entries/rules.ts' },
  { name: 'guard', source: 'src/entries/guard.ts' },
  { name: 'undici', source: 'src/entries/undici.ts' },
  { name: 'aws', source: 'src/entries/aws.ts' },
  { name: 'proxy', source: 'src/entries/proxy.ts' },
  { name: 'lint', source: 'src/entries/lint.ts' },
  { name: 'har', source: 'src/entries/har.ts' },
  { name: 'ajv', source: 'src/entries/ajv.ts' },
];
