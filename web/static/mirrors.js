/* Progressive enhancement for /mirrors: polls /mirrors.json and updates progress, rates and
   states in place (every second while a job runs, every five otherwise). When jobs appear,
   disappear or change state, the list is fetched again as server-rendered HTML from
   /mirrors/jobs, so new jobs and their buttons show up. The page is complete without it. */
(function () {
  'use strict';
  if (!window.fetch || !document.getElementById('jobs')) return;
  var rounds = 0;
  function fmt(n) { return Math.round(Number(n)).toLocaleString('en-US'); }
  function list() { return document.getElementById('jobs'); }
  function shown() {
    var out = {};
    list().querySelectorAll('[data-job]').forEach(function (li) { out[li.dataset.job] = li.dataset.state; });
    return out;
  }
  function sameJobs(jobs) {
    var dom = shown();
    if (Object.keys(dom).length !== jobs.length) return false;
    return jobs.every(function (j) { return dom[j.id] === j.state; });
  }
  function update(j) {
    var li = list().querySelector('[data-job="' + CSS.escape(j.id) + '"]');
    if (!li) return;
    var bar = li.querySelector('progress');
    if (bar) { bar.max = j.total > 0 ? j.total : 1; bar.value = j.total > 0 ? j.done : 0; }
    var counts = li.querySelector('[data-field="counts"]');
    if (counts) counts.textContent = fmt(j.done) + ' of ' + fmt(j.total);
    var rate = li.querySelector('[data-field="rate"]');
    if (rate) rate.textContent = j.state === 'running' && j.rate ? ' · ' + fmt(j.rate) + '/s' : '';
    (j.sources || []).forEach(function (s) {
      var row = li.querySelector('[data-source="' + CSS.escape(s.url) + '"]');
      if (!row) return;
      var st = row.querySelector('[data-field="source-state"]');
      if (st) { st.textContent = s.state; st.className = 'badge ' + s.state; }
      var c = row.querySelector('[data-field="source-counts"]');
      if (c) c.textContent = fmt(s.done) + (s.state === 'active' && s.rate ? ' · ' + fmt(s.rate) + '/s' : '');
    });
    var error = li.querySelector('[data-field="error"]');
    if (error) { error.textContent = j.error || ''; error.hidden = !j.error; }
  }
  function refetch() {
    var el = list();
    return fetch(el.dataset.fragment, { headers: { accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var box = document.createElement('div');
        box.innerHTML = html;
        var fresh = box.querySelector('#jobs');
        if (fresh) el.replaceWith(fresh);
      });
  }
  function tick() {
    rounds += 1;
    fetch(list().dataset.live, { headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (jobs) {
        if (!jobs) return false;
        var running = jobs.some(function (j) { return j.state === 'running'; });
        var next = sameJobs(jobs) ? Promise.resolve() : refetch();
        return next.then(function () { jobs.forEach(update); return running; });
      })
      .then(function (running) { schedule(running ? 1000 : 5000); })
      .catch(function () { schedule(5000); });
  }
  // Bounded: about an hour of polling per page load.
  function schedule(ms) { if (rounds < 3600) setTimeout(tick, ms); }
  schedule(1000);
})();
