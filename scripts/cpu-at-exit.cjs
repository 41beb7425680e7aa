// Loaded into every test file's process by scripts/test.mjs: at exit, the CPU time of the
// process and of the children it waited for (its gopool daemons and masters, curl, wrk), from
// /proc/self/stat (Linux), so that the run can say which files the machine's time goes to.
const { readFileSync } = require('node:fs');

process.on('exit', () => {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // utime, stime, cutime, cstime: fields 14 to 17 of stat(5), 12 to 15 after "pid (comm) ".
    const ticks = fields.slice(11, 15).reduce((sum, n) => sum + Number(n), 0);
    process.stdout.write(`ℹ cpu_ms ${ticks * 10}\n`);
  } catch {
    // not Linux: nothing to say
  }
});
