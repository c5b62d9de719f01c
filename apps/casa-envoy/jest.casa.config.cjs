// The real-CASA suite (`npm run test:casa`, `nx run casa-envoy:test-casa`): casa-envoy against modular CASA
// from PyPI (the `casa` venv of tools/scripts/python-venvs.txt).
module.exports = {
  displayName: 'casa-envoy-real-casa',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  roots: ['<rootDir>/test-casa'],
  testTimeout: 180_000,
};
