module.exports = {
  displayName: 'ingest-envoy',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
