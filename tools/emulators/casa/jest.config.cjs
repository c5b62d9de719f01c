module.exports = {
  displayName: 'casa-emulator',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
