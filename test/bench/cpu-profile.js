const inspector = require('node:inspector');
const fs = require('node:fs');
const s = new inspector.Session();
s.connect();
s.post('Profiler.enable');
s.post('Profiler.setSamplingInterval', { interval: 200 });
s.post('Profiler.start');
process.on('exit', () => {
  s.post('Profiler.stop', (err, r) => {
    if (!err) fs.writeFileSync(`${process.env.PROF_DIR}/p-${process.pid}.cpuprofile`, JSON.stringify(r.profile));
  });
});
