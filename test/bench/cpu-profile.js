/*
 * Preloaded with `node --require` (NODE_OPTIONS refuses --cpu-prof) by the swarm bench when
 * BENCH_SWARM_PROF is set: profiles the whole process with the V8 sampler and writes
 * PROF_DIR/p-PID.cpuprofile when it exits (the inspector answers synchronously in process).
 */
const inspector = require('node:inspector');
const fs = require('node:fs');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (err, r) => {
    if (!err) fs.writeFileSync(`${process.env.PROF_DIR}/p-${process.pid}.cpuprofile`, JSON.stringify(r.profile));
  });
});
