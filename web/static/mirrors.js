/* Progressive enhancement for /mirrors: refreshes the progress of running jobs every second
   from /mirrors.json while any is running. The page is complete without it. */
(function () {
  'use strict';
  var list = document.getElementById('jobs');
  if (!list || !list.dataset.live || !window.fetch) return;
  var url = list.dataset.live;
  var rounds = 0;
  function fmt(n) { return Number(n).toLocaleString('en-US'); }
  function tick() {
    rounds += 1;
    fetch(url, { headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (jobs) {
        var running = false;
        jobs.forEach(function (j) {
          var li = list.querySelector('[data-job="' + CSS.escape(j.id) + '"]');
          if (!li) return;
          var bar = li.querySelector('progress');
          if (bar) { bar.max = j.total > 0 ? j.total : 1; bar.value = j.total > 0 ? j.done : (j.state === 'done' ? 1 : 0); }
          var counts = li.querySelector('[data-field="counts"]');
          if (counts) counts.textContent = fmt(j.done) + ' of ' + fmt(j.total);
          var state = li.querySelector('[data-field="state"]');
          if (state) { state.textContent = j.state; state.className = 'badge ' + j.state; }
          if (j.state === 'running') running = true;
        });
        // Bounded: stop when nothing runs any more, or after an hour of polling.
        if (running && rounds < 3600) setTimeout(tick, 1000);
      })
      .catch(function () { if (rounds < 3600) setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1000);
})();
