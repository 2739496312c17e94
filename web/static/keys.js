/* Keyboard shortcuts, a progressive enhancement (every page works without them):
   j / k   next / previous article of the thread on the page (then the links to other pages)
   n       next new article          r   reply to the current article
   /       search                    Keys are ignored while typing in a field or with a modifier. */
(function () {
  'use strict';
  function link(key) { return document.querySelector('[data-key="' + key + '"]'); }
  function articles() { return Array.prototype.slice.call(document.querySelectorAll('.conv .msg')); }
  function currentIndex(list) {
    for (var i = 0; i < list.length; i++) if (list[i].classList.contains('focused')) return i;
    for (var j = 0; j < list.length; j++) if (list[j].classList.contains('current')) return j;
    return -1;
  }
  function focusArticle(list, i) {
    list.forEach(function (el) { el.classList.remove('focused'); });
    var el = list[i];
    el.classList.add('focused');
    var details = el.querySelector('details');
    if (details && !details.open) details.open = true;
    var summary = el.querySelector('summary');
    if (summary) summary.focus({ preventScroll: true });
    el.scrollIntoView({ block: 'start' });
  }
  function move(step) {
    var list = articles();
    var i = currentIndex(list);
    var next = i + step;
    if (list.length && next >= 0 && next < list.length) return focusArticle(list, next);
    var other = list.length ? link(step > 0 ? 'later' : 'earlier') : link(step > 0 ? 'j' : 'k');
    if (other) window.location.href = other.href;
  }
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var a;
    if (e.key === 'j') move(1);
    else if (e.key === 'k') move(-1);
    else if (e.key === 'n' && (a = link('n'))) window.location.href = a.href;
    else if (e.key === 'r') {
      var list = articles();
      var i = currentIndex(list);
      var reply = i >= 0 ? list[i].querySelector('.reply-link') : document.querySelector('.reply-link');
      if (reply) window.location.href = reply.href;
      else if ((a = document.getElementById('rp-body'))) a.focus();
      else return;
    } else if (e.key === '/' && (a = link('search'))) a.focus();
    else return;
    e.preventDefault();
  });
  // Scroll the current article into view under the sticky header (the #current fragment does it too).
  var cur = document.getElementById('current');
  if (cur && !window.location.hash) cur.scrollIntoView({ block: 'start' });
})();
