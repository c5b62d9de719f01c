// Prints its argv and selected environment to stdout and a line to stderr; exits with the status in EXIT_WITH.
const fs = require('node:fs');
const out = { argv: process.argv.slice(2), ENVOY_SET: process.env.ENVOY_SET, REMOVE_ME: process.env.REMOVE_ME ?? null, KEEP_ME: process.env.KEEP_ME ?? null };
process.stdout.write(`CHILD ${JSON.stringify(out)}\n`);
process.stdout.write(`the secret is ${process.env.TEST_SECRET_ECHO}\n`);
process.stderr.write('child stderr line\n');
if (process.env.RECORD_FILE) fs.writeFileSync(process.env.RECORD_FILE, JSON.stringify(out));
process.exitCode = Number(process.env.EXIT_WITH ?? 0);
