// Run after each test file's tests by every project's jest (jest.preset.js: setupFilesAfterEnv). It imports
// the same module instance as the test file, so it sees the directories that file made.
import { removeTempDirs } from '../temp';

afterAll(() => {
  removeTempDirs();
});
