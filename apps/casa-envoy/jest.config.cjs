module.exports = {
  displayName: 'casa-envoy',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // The real-CASA suite runs on its own (jest.casa.config.cjs: `npm run test:casa`).
  testPathIgnorePatterns: ['/node_modules/', '/test-casa/'],
};
