module.exports = {
  displayName: 'tools',
  preset: '../jest.preset.js',
  rootDir: __dirname,
  // The emulators are projects of their own, with their own tests.
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/', '/emulators/'],
};
