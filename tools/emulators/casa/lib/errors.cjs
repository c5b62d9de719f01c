// An exception raised inside the pipeline's executeppr. The pipeline catches these itself: it logs a few INFO
// lines, writes an empty errorexit marker and returns, and CASA exits 0. That quiet failure is the habit the
// envoy has to see through, so these never reach stderr or the exit status.
class PipelineError extends Error {
  /** `pythonType` is the exception class the pipeline would show in its traceback. */
  constructor(message, pythonType = 'Exception') {
    super(message);
    this.pythonType = pythonType;
  }
}

module.exports = { PipelineError };
