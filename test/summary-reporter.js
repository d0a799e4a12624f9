const fs = require('fs');
const path = require('path');

// The timings the packaging tests record (.cache/packaging/*.json) during this run, one line each.
function packagingTimings(startTime) {
  const dir = path.join(__dirname, '..', '.cache', 'packaging');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.json') && fs.statSync(path.join(dir, f)).mtimeMs >= startTime)
    .sort()
    .map((f) => {
      const steps = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      return `timings ${path.basename(f, '.json')}: ${Object.entries(steps).map(([step, s]) => `${step} ${s} s`).join(', ')}`;
    });
}

// Prints the plain closing line CI reads ("N passed, N failed, N skipped") after Jest's own summary,
// preceded by the packaging tests' timings when they ran.
class SummaryReporter {
  constructor() {
    // Reporters are created before the global setups run (the packaging setup records the pack).
    this.created = Date.now();
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const timings = packagingTimings(this.created);
    process.stdout.write(`${timings.length ? `\n${timings.join('\n')}` : ''}\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
