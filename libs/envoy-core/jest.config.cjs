module.exports = {
  displayName: 'envoy-core',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
