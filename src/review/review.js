/* The review page's script (src/review/page.rs inlines it; its hash is in the page's CSP).
   It builds the page from the inert JSON and frame elements. Every string of the archive
   reaches the DOM as text (textContent, attribute values), never as markup; images come from
   this file only (data URIs decoded when their frame is shown). */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var app = document.getElementById('app');
  var FRAMES_PER_PAGE = 20, ROWS_PER_PAGE = 200;
  var WHY = {
    node_text: 'text of a UI element', line_span: 'part of a line of text', secure_node: 'secure (password) field',
    out_of_scope_window: 'window of an app not recorded', face: 'face', text_region: 'text no checked UI element vouches for'
  };
  var ACTION = { pseudonym: 'replaced by a consistent stand-in', mask: 'masked', tag: 'replaced by its type', redact: 'removed', keep: 'kept (policy)' };
  var DROP = {
    invalid_utf8: 'not valid text', bad_json: 'could not be read', line_too_long: 'too long to check', not_an_object: 'could not be read',
    unknown_kind: 'a kind of event veil does not know', bad_field: 'a field that could not be checked', bad_image_path: 'an unsafe image name',
    seq_not_increasing: 'out of order', missing_image: 'its screenshot is missing', bad_image: 'its screenshot could not be decoded',
    image_too_large: 'its screenshot is too large', too_large: 'too large', out_of_scope: 'an app or site that is not recorded',
    paused: 'recording was paused', forgotten: 'you asked to forget it', secure_input: 'typed into a secure (password) field',
    unverified_pixels: 'its pixels could not be checked', redacted_keystroke: 'a keystroke of removed text',
    unchecked_keystroke: 'a keystroke that could not be checked',
    model_failed: 'a check could not run', internal_error: 'an internal error (nothing was kept)'
  };

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else if (k === 'on') for (var ev in attrs.on) e.addEventListener(ev, attrs.on[ev]);
      else e.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) if (arguments[i] != null) e.appendChild(typeof arguments[i] === 'string' ? document.createTextNode(arguments[i]) : arguments[i]);
    return e;
  }
  function table(rows) {
    var t = el('table');
    rows.forEach(function (r) { t.appendChild(el('tr', null, el('th', { text: r[0] }), el('td', { text: String(r[1]) }))); });
    return t;
  }
  function counts(title, obj, words) {
    var keys = Object.keys(obj || {});
    if (!keys.length) return null;
    return el('div', null, el('h3', { text: title }), table(keys.map(function (k) { return [words && words[k] ? k + ' (' + words[k] + ')' : k, obj[k]]; })));
  }
  function label(b) {
    if (b.entity) return b.entity + ' · ' + (b.detector || b.why);
    return WHY[b.why] || b.why;
  }

  /* A frame: the image and one outlined, labelled box per painted area, placed in percent so
     that they follow any zoom. */
  function stage(i, original, zoomable) {
    var f = data.frames[i];
    var id = (original ? 'o' : 'f') + i, src = document.getElementById(id);
    var s = el('div', { cls: 'stage' });
    if (!src) { s.appendChild(el('p', { text: 'This frame is missing or could not be decoded.' })); return s; }
    var img = el('img', { alt: (original ? 'original ' : 'redacted ') + 'frame ' + f.seq, loading: 'lazy', decoding: 'async', width: f.width, height: f.height });
    img.src = 'data:' + (original ? f.original_mime : f.mime) + ';base64,' + src.textContent;
    s.appendChild(img);
    f.boxes.forEach(function (b) {
      var r = b.rect, d = el('div', { cls: 'box' + (r[1] < 18 ? ' below' : ''), 'data-why': b.why, title: label(b) }, el('span', { text: label(b) }));
      d.style.setProperty('--c', 'var(--' + b.why + ')');
      d.style.left = (100 * r[0] / f.width) + '%'; d.style.top = (100 * r[1] / f.height) + '%';
      d.style.width = (100 * r[2] / f.width) + '%'; d.style.height = (100 * r[3] / f.height) + '%';
      s.appendChild(d);
    });
    if (zoomable) s.addEventListener('click', function () { view(i); });
    return s;
  }
  function pair(i, zoomable) {
    var f = data.frames[i], p = el('div', { cls: 'pair' });
    var red = el('div', null, f.original ? el('h4', { text: 'As uploaded (redacted)' }) : null, stage(i, false, zoomable));
    p.appendChild(red);
    if (f.original) p.appendChild(el('div', null, el('h4', { text: 'Original (never uploaded)' }), stage(i, true, zoomable)));
    return p;
  }
  function frameCard(i) {
    var f = data.frames[i];
    return el('div', { cls: 'frame', id: 'frame-' + i },
      el('div', null, el('strong', { text: 'Frame ' + (i + 1) + ' of ' + data.frames.length }),
        el('span', { cls: 'muted', text: ' · event ' + f.seq + ' · ' + f.name + ' · ' + f.width + '×' + f.height + ' px · ' + f.boxes.length + ' painted areas · click to zoom' })),
      pair(i, true));
  }

  /* The zoom viewer: the frame at a chosen scale, its boxes following. */
  var viewer = null;
  function view(i) {
    close();
    var f = data.frames[i], zoom = 1;
    var p = pair(i, false);
    function apply() { Array.prototype.forEach.call(p.querySelectorAll('.stage'), function (s) { s.style.width = Math.round(f.width * zoom) + 'px'; }); z.textContent = Math.round(zoom * 100) + '%'; }
    var z = el('span');
    var bar = el('div', { cls: 'bar' },
      el('button', { text: '−', on: { click: function () { zoom = Math.max(0.1, zoom / 1.25); apply(); } } }), z,
      el('button', { text: '+', on: { click: function () { zoom = Math.min(8, zoom * 1.25); apply(); } } }),
      el('button', { text: '100%', on: { click: function () { zoom = 1; apply(); } } }),
      el('button', { text: 'previous', on: { click: function () { if (i > 0) view(i - 1); } } }),
      el('button', { text: 'next', on: { click: function () { if (i + 1 < data.frames.length) view(i + 1); } } }),
      el('span', { text: 'Frame ' + (i + 1) + ' (event ' + f.seq + ') · ctrl + wheel zooms · Esc closes' }),
      el('button', { text: 'close', on: { click: close } }));
    viewer = el('div', { cls: 'viewer', role: 'dialog' }, bar, p);
    viewer.addEventListener('wheel', function (e) { if (e.ctrlKey) { e.preventDefault(); zoom = Math.min(8, Math.max(0.1, zoom * (e.deltaY < 0 ? 1.1 : 1 / 1.1))); apply(); } }, { passive: false });
    document.body.appendChild(viewer);
    apply();
  }
  function close() { if (viewer) { viewer.remove(); viewer = null; } }
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') close(); });

  /* Paging: only one page of frames (or rows) is in the DOM at a time. */
  function paged(title, n, per, render) {
    var box = el('section'), body = el('div'), pages = Math.max(1, Math.ceil(n / per)), page = 0;
    var bars = [el('div', { cls: 'pager' }), el('div', { cls: 'pager' })];
    function show(p) {
      page = Math.min(pages - 1, Math.max(0, p));
      body.replaceChildren(render(page * per, Math.min(n, (page + 1) * per)));
      bars.forEach(function (b) {
        b.replaceChildren(el('button', { text: '‹ previous', on: { click: function () { show(page - 1); } } }),
          el('span', { text: 'page ' + (page + 1) + ' of ' + pages + ' (' + n + ' ' + title + ')' }),
          el('button', { text: 'next ›', on: { click: function () { show(page + 1); } } }));
      });
    }
    box.appendChild(bars[0]); box.appendChild(body); if (pages > 1) box.appendChild(bars[1]);
    show(0);
    return { node: box, show: show };
  }

  var t = data.totals;
  if (data.problems.length) {
    var u = el('ul');
    data.problems.forEach(function (p) { u.appendChild(el('li', { text: p })); });
    app.appendChild(el('div', { cls: 'problems' }, el('strong', { text: 'This archive has problems: run veil verify before uploading it.' }), u));
  }

  app.appendChild(el('h2', { text: 'Summary' }));
  if (t) {
    app.appendChild(el('p', { text: t.input_lines + ' recorded events were checked. ' + t.output_events + ' will be uploaded (' + t.output_frames + ' screenshots); ' + t.dropped + ' were dropped. ' +
      t.findings + ' pieces of personal data or secrets were found and changed; ' + t.painted_boxes + ' areas of screenshots were painted over (' + t.faces + ' faces, ' + t.text_regions + ' text regions); ' + t.keys_rewritten + ' typed keystrokes were rewritten.' }));
    var g = el('div', { cls: 'grid' });
    [counts('Found, by kind', t.by_entity), counts('How each was changed', t.by_action, ACTION), counts('Found by', t.by_detector), counts('Dropped, and why', t.drops, DROP)].forEach(function (c) { if (c) g.appendChild(c); });
    app.appendChild(g);
  }
  app.appendChild(el('h3', { text: 'What is kept' }));
  app.appendChild(el('p', { text: 'Everything not listed above is kept as recorded: the events below, in order, with their text as shown (apps, window titles, UI text, typed keys, mouse actions) and the screenshots with only the outlined areas painted over. Kept, by kind of event:' }));
  app.appendChild(table(Object.keys(data.kept).map(function (k) { return [k, data.kept[k]]; })));
  app.appendChild(el('p', { cls: 'muted', text: 'Engine: ' + (data.engine || 'unknown') + ' · stand-ins keyed by: ' + (data.pseudonym_key || 'unknown') +
    ' · fingerprint of the archive shown: ' + data.fingerprint + ' (veil verify prints the same one for the same bytes).' }));

  app.appendChild(el('h2', { text: 'Screenshots as uploaded (' + data.frames.length + ')' }));
  var legend = el('p', { cls: 'legend' }, 'Painted areas are outlined: ');
  Object.keys(WHY).filter(function (k) { return k !== 'line_span'; }).forEach(function (k) { var s = el('span', { text: k === 'node_text' ? 'personal data or a secret in text' : WHY[k] }); s.style.setProperty('--c', 'var(--' + k + ')'); legend.appendChild(s); });
  app.appendChild(legend);
  var labels = el('input', { type: 'checkbox', id: 'labels', checked: 'checked' });
  labels.addEventListener('change', function () { document.body.classList.toggle('nolabels', !labels.checked); });
  app.appendChild(el('p', null, labels, el('label', { 'for': 'labels', text: ' show labels (untick to see what is under them)' })));
  var frames = paged('screenshots', data.frames.length, FRAMES_PER_PAGE, function (a, b) {
    var d = document.createDocumentFragment();
    for (var i = a; i < b; i++) d.appendChild(frameCard(i));
    return d;
  });
  app.appendChild(frames.node);

  app.appendChild(el('h2', { text: 'Events as uploaded (' + data.rows.length + ' rows)' }));
  var onlyChanged = el('input', { type: 'checkbox', id: 'only-changed' });
  app.appendChild(el('p', null, onlyChanged, el('label', { 'for': 'only-changed', text: ' show only events something was removed from' })));
  var rows = data.rows, shown = rows;
  function when(ts) { return ts == null ? '' : new Date(ts).toISOString().replace('T', ' ').replace('Z', ''); }
  function renderRows(a, b) {
    var tb = el('table', { cls: 'timeline' }, el('tr', null, el('th', { text: 'line' }), el('th', { text: 'time' }), el('th', { text: 'kind' }), el('th', { text: 'as uploaded' }), el('th', { text: 'what was changed, and why' })));
    for (var i = a; i < b; i++) {
      var r = shown[i], what = el('td', { cls: 'what' });
      if (r.dropped) what.appendChild(el('div', { text: 'dropped: ' + (DROP[r.dropped] || r.dropped) }));
      r.findings.forEach(function (f) {
        what.appendChild(el('div', { text: f.entity + ' in ' + f.field + ' (found by ' + f.detector + '): ' + (ACTION[f.action] || f.action) + (f.keys ? ', ' + f.keys + ' keystrokes' : '') }));
      });
      var json = el('td', { cls: 'json', text: r.json || '(not uploaded)' });
      if (r.frame != null) json.appendChild(el('div', null, el('button', { text: 'show screenshot', 'data-frame': r.frame, on: { click: function (e) { view(+e.target.getAttribute('data-frame')); } } })));
      tb.appendChild(el('tr', { cls: r.dropped ? 'dropped' : (r.findings.length ? 'changed' : '') },
        el('td', { text: r.line == null ? '' : String(r.line) }), el('td', { text: when(r.ts) }), el('td', { text: r.kind || '' }), json, what));
    }
    return tb;
  }
  var timeline = paged('rows', rows.length, ROWS_PER_PAGE, renderRows);
  app.appendChild(timeline.node);
  onlyChanged.addEventListener('change', function () {
    shown = onlyChanged.checked ? rows.filter(function (r) { return r.dropped || r.findings.length; }) : rows;
    var p = paged('rows', shown.length, ROWS_PER_PAGE, renderRows);
    timeline.node.replaceWith(p.node); timeline = p;
  });
  document.body.setAttribute('data-ready', '1');
})();
