module.exports = {
  displayName: 'carta-envoy',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
