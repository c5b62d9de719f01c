module.exports = {
  displayName: 'casa-envoy',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
