/* The diagram-convert viewer: one page at a time, the page image (or its deep-zoom tiles)
 * under the page SVG's annotation group, pan and zoom, search, details, deep links.
 *
 * Data arrives as scripts, since a page opened from file:// cannot fetch: viewer/job.js
 * calls DiagramViewer.job(model), and each page's viewer/pages/<id>.js calls
 * DiagramViewer.overlay(id, markup) when the page is first shown. Served by
 * `diagram-convert serve` (GET …/convert/{jobId}/viewer), job.js first calls
 * DiagramViewer.session({base, expires, refresh}): files load under the signed base, which
 * the viewer renews through `refresh` before it expires or when a load fails.
 *
 * DOM contract (for tests and embedders): the search input is #search; the details panel
 * is #details and holds the selected annotation's text and each entity value as text; the
 * shown page's annotations are elements of class "annotation" with data-text (only the
 * shown page's); location.hash is #<key>/<page> or #<key>/<page>/<id>; <html> gets
 * data-ready="true" once the first page can be used, and data-page="<key>/<page>" names the
 * page shown.
 */
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var MAX_HITS_LISTED = 200;
  var ZOOM_STEP = 1.25;

  var state = {
    model: null,
    pages: [], // every page: { file, fileIndex, model, n }
    current: null,
    token: 0,
    overlays: {}, // id -> markup
    waiting: {}, // id -> [callbacks]
    view: { s: 1, x: 0, y: 0 },
    fit: 1,
    selected: null,
    index: [], // { entry, a, hay, flat }
    hits: [],
    hitCursor: -1,
    tiles: null,
    suppressHash: false,
    session: null, // { base, expires, refresh } when served
    refreshing: null,
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
      }
    }
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /** A relative URL from job.json, each segment encoded (keys may hold '%'), under the
   *  session's base when the viewer is served. */
  function href(url) {
    var base = state.session ? state.session.base : '';
    return base + url.split('/').map(encodeURIComponent).join('/');
  }

  // ---------------------------------------------------------------------------------
  // Served viewers: the server's signed link expires; before it does (or once a load
  // fails) viewer/refresh.js hands out a fresh one, and every later load uses it.

  var REFRESH_MARGIN_MS = 15000;

  function session(s) {
    state.session = s;
    var waiting = state.refreshing;
    state.refreshing = null;
    if (waiting) waiting.resolve();
  }

  /** Resolves once the session is good for a while (at once from file://). */
  function fresh(force) {
    var s = state.session;
    if (!s || (!force && Date.now() < s.expires - REFRESH_MARGIN_MS)) return Promise.resolve();
    if (state.refreshing) return state.refreshing.promise;
    var pending = {};
    pending.promise = new Promise(function (resolve, reject) { pending.resolve = resolve; pending.reject = reject; });
    state.refreshing = pending;
    var script = document.createElement('script');
    script.src = s.refresh + '?t=' + Date.now();
    script.onerror = function () {
      state.refreshing = null;
      pending.reject(new Error('the viewer link has expired and cannot be renewed: get a new one'));
    };
    document.head.appendChild(script);
    script.onload = function () { script.remove(); };
    return pending.promise;
  }

  /** Points `img` at `url`, renewing the session first if needed, and once more if it fails. */
  function setSrc(img, url) {
    if (!state.session) { img.src = href(url); return; }
    var retried = false;
    img.onerror = function () {
      if (retried) return;
      retried = true;
      fresh(true).then(function () { img.src = href(url); }, notice);
    };
    fresh(false).then(function () { img.src = href(url); }, notice);
  }

  function notice(e) {
    var info = $('page-info');
    if (info.querySelector('.expired')) return;
    info.appendChild(el('p', { 'class': 'error expired' }, e.message));
  }

  function pageName(entry) { return entry.file.key + '/' + entry.model.page; }

  // ---------------------------------------------------------------------------------
  // Boot

  function job(model) {
    state.model = model;
    model.files.forEach(function (file, fileIndex) {
      file.pages.forEach(function (page) {
        var entry = { file: file, fileIndex: fileIndex, model: page, n: state.pages.length };
        state.pages.push(entry);
        page.annotations.forEach(function (a) {
          var hay = [a.text].concat(a.values).join('\n').toLowerCase();
          state.index.push({ entry: entry, a: a, hay: hay, flat: flatten(hay) });
        });
      });
    });
    buildFiles();
    bindControls();
    var opened = openHash(location.hash, true);
    if (!opened) {
      var first = state.pages.filter(function (e) { return !e.model.errorMessage; })[0] || state.pages[0];
      if (first) showPage(first, { updateHash: true }).then(ready);
      else { showNothing(); ready(); }
    } else {
      opened.then(ready);
    }
  }

  function ready() {
    document.documentElement.setAttribute('data-ready', 'true');
    if (window.performance && performance.mark) performance.mark('viewer-interactive');
  }

  function flatten(s) { return s.replace(/[^0-9a-z\u00c0-\uffff]+/g, ''); }

  function buildFiles() {
    var nav = $('files');
    nav.textContent = '';
    var model = state.model;
    var title = model.files.length === 1 ? model.files[0].label : model.files.length + ' files';
    $('title').textContent = title;
    document.title = title + ' \u2013 diagram-convert';
    if (model.errorMessage) nav.appendChild(el('p', { 'class': 'error' }, 'The job failed: ' + model.errorMessage));
    model.files.forEach(function (file, fileIndex) {
      var section = el('section', { 'class': 'file' });
      section.appendChild(el('h2', null, file.label));
      if (file.errorMessage) section.appendChild(el('p', { 'class': 'error' }, file.errorMessage));
      file.warnings.forEach(function (w) { section.appendChild(el('p', { 'class': 'warning' }, w)); });
      var list = el('ol');
      state.pages.forEach(function (entry) {
        if (entry.fileIndex !== fileIndex) return;
        var page = entry.model;
        var label = 'Page ' + page.page;
        var button = el('button', { type: 'button', 'data-n': String(entry.n) }, String(page.page));
        if (page.errorMessage) { button.classList.add('failed'); label += ' (failed)'; }
        else if (page.warnings.length || page.note) { button.classList.add('warned'); label += ' (with warnings)'; }
        button.setAttribute('aria-label', file.label + ', ' + label);
        button.title = page.errorMessage || page.warnings.concat(page.note ? [page.note] : []).join('\n') || label;
        button.addEventListener('click', function () { showPage(entry, { updateHash: true }); });
        list.appendChild(el('li')).appendChild(button);
      });
      section.appendChild(list);
      nav.appendChild(section);
    });
  }

  // ---------------------------------------------------------------------------------
  // Pages

  function loadOverlay(overlay) {
    return new Promise(function (resolve, reject) {
      if (Object.prototype.hasOwnProperty.call(state.overlays, overlay.id)) {
        resolve(state.overlays[overlay.id]);
        return;
      }
      var first = !state.waiting[overlay.id];
      (state.waiting[overlay.id] = state.waiting[overlay.id] || []).push({ resolve: resolve, reject: reject });
      if (!first) return;
      var fail = function (e) {
        var waiting = state.waiting[overlay.id] || [];
        delete state.waiting[overlay.id];
        waiting.forEach(function (w) { w.reject(e); });
      };
      var load = function (retry) {
        var script = document.createElement('script');
        script.src = href(overlay.src);
        script.onerror = function () {
          script.remove();
          if (retry && state.session) fresh(true).then(function () { load(false); }, fail);
          else fail(new Error('cannot load ' + overlay.src));
        };
        document.head.appendChild(script);
      };
      fresh(false).then(function () { load(true); }, fail);
    });
  }

  function overlay(id, markup) {
    state.overlays[id] = markup;
    var waiting = state.waiting[id] || [];
    delete state.waiting[id];
    waiting.forEach(function (w) { w.resolve(markup); });
  }

  function showNothing() {
    $('page-info').textContent = '';
    $('page-info').appendChild(el('p', { 'class': 'note' }, 'This job has no pages to show.'));
  }

  /** Shows `entry`; resolves once its annotations are in place. */
  function showPage(entry, options) {
    options = options || {};
    if (state.current === entry) {
      if (options.updateHash) setHash();
      return Promise.resolve();
    }
    var token = ++state.token;
    state.current = entry;
    state.selected = null;
    hideTooltip();
    var page = entry.model;
    var stage = $('stage');
    stage.textContent = '';
    state.tiles = null;
    var w = page.width || 1, h = page.height || 1;
    stage.style.width = w + 'px';
    stage.style.height = h + 'px';
    stage.hidden = !!page.errorMessage;
    if (page.tiles) {
      state.tiles = new TileLayer(stage, page.tiles, w, h);
    } else if (page.image) {
      var img = el('img', { width: String(w), height: String(h), alt: '', draggable: 'false', decoding: 'async' });
      setSrc(img, page.image);
      img.style.width = w + 'px';
      img.style.height = h + 'px';
      stage.appendChild(img);
    }
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'overlay' + (page.imageHighlighted && !page.tiles ? ' on-highlighted' : ''));
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    svg.setAttribute('width', String(w));
    svg.setAttribute('height', String(h));
    stage.appendChild(svg);
    fitView();
    markNav(entry);
    pageInfo(entry);
    showDetails(null);
    document.documentElement.setAttribute('data-page', pageName(entry));
    if (options.updateHash !== false) setHash();
    if (!page.overlay) return Promise.resolve();
    return loadOverlay(page.overlay).then(function (markup) {
      if (token !== state.token) return;
      var parsed = new DOMParser().parseFromString('<svg xmlns="' + SVG_NS + '">' + markup + '</svg>', 'image/svg+xml');
      var group = parsed.documentElement.firstElementChild;
      if (!group || parsed.getElementsByTagName('parsererror').length) throw new Error('the overlay of this page cannot be read');
      group = document.importNode(group, true);
      var shapes = group.querySelectorAll('.annotation');
      for (var i = 0; i < shapes.length; i++) decorate(shapes[i]);
      svg.appendChild(group);
      markHits();
    }).catch(function (e) {
      if (token !== state.token) return;
      $('page-info').appendChild(el('p', { 'class': 'error' }, 'Annotations not shown: ' + e.message));
    });
  }

  function decorate(g) {
    var title = g.querySelector('title');
    var label = title ? title.textContent : g.getAttribute('data-text');
    if (title) title.remove(); // the tooltip below replaces the browser's own
    // The transparent tag text serves find-in-page in a bare SVG; here the search box does
    // that, and a thousand stretched texts would cost layout on every change.
    var text = g.querySelector('.tag-text');
    if (text) text.remove();
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', 'Tag ' + label);
  }

  function markNav(entry) {
    var buttons = $('files').querySelectorAll('button[data-n]');
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute('data-n') === String(entry.n)) {
        buttons[i].setAttribute('aria-current', 'page');
        if (buttons[i].scrollIntoView) buttons[i].scrollIntoView({ block: 'nearest' });
      } else {
        buttons[i].removeAttribute('aria-current');
      }
    }
  }

  function pageInfo(entry) {
    var info = $('page-info');
    info.textContent = '';
    var page = entry.model, file = entry.file;
    info.appendChild(el('h2', null, file.label + ' \u00b7 page ' + page.page + ' of ' + file.pages.length));
    if (page.errorMessage) {
      info.appendChild(el('p', { 'class': 'error' }, 'This page failed: ' + page.errorMessage));
      return;
    }
    info.appendChild(el('p', { 'class': 'note' },
      (page.width || '?') + ' \u00d7 ' + (page.height || '?') + ' px, ' + page.annotations.length +
      (page.annotations.length === 1 ? ' annotation' : ' annotations')));
    var links = el('p', { 'class': 'note' });
    [['PNG', page.png], ['SVG', page.svg]].forEach(function (pair) {
      if (!pair[1]) return;
      if (links.childNodes.length) links.appendChild(document.createTextNode(' \u00b7 '));
      links.appendChild(el('a', { href: href(pair[1]), target: '_blank', rel: 'noopener' }, pair[0]));
    });
    if (links.childNodes.length) info.appendChild(links);
    page.warnings.forEach(function (w) { info.appendChild(el('p', { 'class': 'warning' }, w)); });
    if (page.note) info.appendChild(el('p', { 'class': 'warning' }, page.note));
  }

  // ---------------------------------------------------------------------------------
  // View: translate and scale of the stage, in page pixels

  function viewportSize() {
    var v = $('viewport');
    return { w: v.clientWidth || 1, h: v.clientHeight || 1 };
  }

  function pageSize() {
    var p = state.current ? state.current.model : null;
    return { w: (p && p.width) || 1, h: (p && p.height) || 1 };
  }

  function fitView() {
    var v = viewportSize(), p = pageSize();
    var s = Math.min(v.w / p.w, v.h / p.h) * 0.98;
    state.fit = s;
    state.view = { s: s, x: (v.w - p.w * s) / 2, y: (v.h - p.h * s) / 2 };
    apply();
  }

  function limits() {
    return { min: state.fit / 4, max: Math.max(8, state.fit * 4) };
  }

  function apply() {
    var view = state.view;
    var stage = $('stage');
    stage.style.transform = 'translate(' + view.x + 'px,' + view.y + 'px) scale(' + view.s + ')';
    stage.style.setProperty('--px', 1 / view.s + 'px');
    $('zoom-level').textContent = Math.round(view.s * 1000) / 10 + ' %';
    if (state.tiles) state.tiles.schedule();
  }

  function zoomAt(factor, cx, cy) {
    var view = state.view, l = limits();
    var s = Math.min(l.max, Math.max(l.min, view.s * factor));
    var k = s / view.s;
    state.view = { s: s, x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k };
    apply();
  }

  function zoomCenter(factor) {
    var v = viewportSize();
    zoomAt(factor, v.w / 2, v.h / 2);
  }

  function pan(dx, dy) {
    state.view.x += dx;
    state.view.y += dy;
    apply();
  }

  /** Zooms so that a box [x0, y0, x1, y1] is well inside the viewport, centred. */
  function zoomTo(box) {
    var v = viewportSize(), l = limits();
    var bw = Math.max(box[2] - box[0], 1), bh = Math.max(box[3] - box[1], 1);
    var s = Math.min(v.w * 0.25 / bw, v.h * 0.25 / bh, Math.max(2, state.fit));
    s = Math.min(l.max, Math.max(state.fit, s));
    var cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    state.view = { s: s, x: v.w / 2 - cx * s, y: v.h / 2 - cy * s };
    apply();
  }

  /** Pans, without zooming, until a box is inside the viewport. */
  function reveal(box) {
    var v = viewportSize(), view = state.view, m = 24;
    var x0 = box[0] * view.s + view.x, y0 = box[1] * view.s + view.y;
    var x1 = box[2] * view.s + view.x, y1 = box[3] * view.s + view.y;
    var dx = 0, dy = 0;
    if (x1 - x0 > v.w - 2 * m || y1 - y0 > v.h - 2 * m) { zoomTo(box); return; }
    if (x0 < m) dx = m - x0; else if (x1 > v.w - m) dx = v.w - m - x1;
    if (y0 < m) dy = m - y0; else if (y1 > v.h - m) dy = v.h - m - y1;
    if (dx || dy) pan(dx, dy);
  }

  // ---------------------------------------------------------------------------------
  // Deep-zoom tiles (DZI): the tiles of the level that matches the zoom, over the whole
  // page at a small level, which stays below while tiles load.

  function TileLayer(stage, tiles, w, h) {
    this.tiles = tiles;
    this.k = w / tiles.width; // stage pixels per full-level pixel
    this.maxLevel = Math.ceil(Math.log2(Math.max(tiles.width, tiles.height)));
    this.root = el('div', { 'class': 'tiles' });
    this.root.style.width = w + 'px';
    this.root.style.height = h + 'px';
    stage.appendChild(this.root);
    this.shown = {};
    this.level = -1;
    this.pending = false;
    // The base: the largest level whose whole page fits in a 1024 px tile grid of few tiles.
    var base = this.maxLevel;
    while (base > 0 && Math.max(tiles.width, tiles.height) / Math.pow(2, this.maxLevel - base) > 1024) base--;
    this.base = base;
    this.draw(base, null, true);
    this.schedule();
  }

  TileLayer.prototype.schedule = function () {
    if (this.pending) return;
    this.pending = true;
    var self = this;
    requestAnimationFrame(function () { self.pending = false; self.update(); });
  };

  TileLayer.prototype.update = function () {
    if (state.tiles !== this) return;
    var view = state.view, v = viewportSize();
    var scale = view.s * this.k * (window.devicePixelRatio || 1); // screen px per full-level px
    var level = Math.max(this.base, Math.min(this.maxLevel, this.maxLevel + Math.ceil(Math.log2(scale) - 1e-9)));
    var region = [(-view.x) / view.s, (-view.y) / view.s, (v.w - view.x) / view.s, (v.h - view.y) / view.s];
    this.draw(level, region, false);
  };

  /** Shows the tiles of `level` that meet `region` (stage pixels; null: all). */
  TileLayer.prototype.draw = function (level, region, keep) {
    var t = this.tiles, f = Math.pow(2, this.maxLevel - level);
    var lw = Math.ceil(t.width / f), lh = Math.ceil(t.height / f);
    var cols = Math.ceil(lw / t.tileSize), rows = Math.ceil(lh / t.tileSize);
    var unit = f * this.k; // stage pixels per level pixel
    var c0 = 0, r0 = 0, c1 = cols - 1, r1 = rows - 1;
    if (region) {
      c0 = Math.max(0, Math.floor(region[0] / unit / t.tileSize));
      r0 = Math.max(0, Math.floor(region[1] / unit / t.tileSize));
      c1 = Math.min(cols - 1, Math.floor(region[2] / unit / t.tileSize));
      r1 = Math.min(rows - 1, Math.floor(region[3] / unit / t.tileSize));
    }
    var wanted = {};
    for (var r = r0; r <= r1; r++) {
      for (var c = c0; c <= c1; c++) {
        var key = level + '/' + c + '_' + r;
        wanted[key] = true;
        if (this.shown[key]) continue;
        var x0 = Math.max(0, c * t.tileSize - t.overlap), y0 = Math.max(0, r * t.tileSize - t.overlap);
        var x1 = Math.min(lw, (c + 1) * t.tileSize + t.overlap), y1 = Math.min(lh, (r + 1) * t.tileSize + t.overlap);
        var img = el('img', { alt: '', draggable: 'false', decoding: 'async' });
        setSrc(img, t.base + key + '.' + t.format);
        img.style.left = x0 * unit + 'px';
        img.style.top = y0 * unit + 'px';
        img.style.width = (x1 - x0) * unit + 'px';
        img.style.height = (y1 - y0) * unit + 'px';
        img.style.zIndex = String(level);
        img.setAttribute('data-level', String(level));
        this.root.appendChild(img);
        this.shown[key] = img;
      }
    }
    if (keep) return;
    // Drop what is neither the base nor this level's visible tiles.
    for (var k in this.shown) {
      if (!Object.prototype.hasOwnProperty.call(this.shown, k)) continue;
      var lvl = Number(k.split('/')[0]);
      if (lvl === this.base || wanted[k]) continue;
      this.shown[k].remove();
      delete this.shown[k];
    }
    this.level = level;
  };

  // ---------------------------------------------------------------------------------
  // Selection and details

  function annotationsOnPage() {
    return $('stage').querySelectorAll('.annotation');
  }

  function boxOf(g) {
    var entry = state.current, id = g.getAttribute('id');
    var list = entry ? entry.model.annotations : [];
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i].box;
    var b = g.getBBox();
    return [b.x, b.y, b.x + b.width, b.y + b.height];
  }

  function select(g, options) {
    options = options || {};
    if (state.selected && state.selected !== g) state.selected.classList.remove('selected');
    state.selected = g;
    if (!g) { showDetails(null); setHash(); return; }
    g.classList.add('selected');
    // Drawn last, so its outline lies above its neighbours'.
    g.parentNode.appendChild(g);
    if (options.zoom) zoomTo(boxOf(g));
    else if (options.reveal) reveal(boxOf(g));
    if (options.focus) g.focus({ preventScroll: true });
    showDetails(g);
    setHash();
  }

  function fieldValues(field) {
    var values = [];
    for (var c = field.firstElementChild; c; c = c.nextElementSibling) {
      if (c.localName === 'value') values.push(c.textContent);
    }
    return values.length ? values : [field.textContent];
  }

  /** The details of `g`, read from its <metadata> as the SVG holds it. */
  function showDetails(g) {
    var details = $('details');
    details.textContent = '';
    if (!g) {
      details.appendChild(el('p', { 'class': 'hint' }, 'Click a highlighted tag, or search, to see its details.'));
      return;
    }
    var text = g.getAttribute('data-text') || '';
    details.appendChild(el('h2', null, 'Annotation'));
    details.appendChild(el('p', { 'class': 'text' }, text));
    var facts = el('dl');
    var confidence = g.getAttribute('data-confidence');
    if (confidence !== null) { facts.appendChild(el('dt', null, 'confidence')); facts.appendChild(el('dd', null, confidence)); }
    facts.appendChild(el('dt', null, 'page'));
    facts.appendChild(el('dd', null, state.current.file.label + ', page ' + state.current.model.page));
    facts.appendChild(el('dt', null, 'element'));
    facts.appendChild(el('dd', null, g.getAttribute('id')));
    details.appendChild(facts);
    var entities = g.querySelectorAll('metadata entities > entity');
    if (!entities.length) details.appendChild(el('p', { 'class': 'note' }, 'No entities.'));
    for (var i = 0; i < entities.length; i++) {
      details.appendChild(el('h3', null, entities.length > 1 ? 'Entity ' + (i + 1) : 'Entity'));
      var dl = el('dl', { 'class': 'entity' });
      for (var f = entities[i].firstElementChild; f; f = f.nextElementSibling) {
        if (f.localName !== 'field') continue;
        dl.appendChild(el('dt', null, f.getAttribute('name')));
        dl.appendChild(el('dd', null, fieldValues(f).join(', ')));
      }
      details.appendChild(dl);
    }
    var linked = linkedFile(g, entities);
    if (linked) {
      var open = el('button', { type: 'button', 'class': 'open-link' }, 'Open ' + linked.file.label);
      open.addEventListener('click', function () { showPage(linked, { updateHash: true }); });
      details.appendChild(el('p')).appendChild(open);
    }
    var link = el('a', { href: '#' + pageName(state.current) + '/' + g.getAttribute('id') }, 'Link to this annotation');
    details.appendChild(el('p')).appendChild(link);
  }

  /** The first page of the job's file that a file-link annotation names, if any. */
  function linkedFile(g, entities) {
    var names = [g.getAttribute('data-text') || ''];
    var isLink = false;
    for (var i = 0; i < entities.length; i++) {
      for (var f = entities[i].firstElementChild; f; f = f.nextElementSibling) {
        var name = f.getAttribute('name'), value = f.textContent;
        if (name === 'type' && /FileLink$/.test(value)) isLink = true;
        if (name === 'externalId') names.push(value.replace(/^file_/, ''), value);
      }
    }
    if (!isLink) return null;
    for (var p = 0; p < state.pages.length; p++) {
      var entry = state.pages[p];
      if (entry !== state.current && names.indexOf(entry.file.label) >= 0 && !entry.model.errorMessage) return entry;
    }
    return null;
  }

  function step(delta) {
    var list = annotationsOnPage();
    if (!list.length) return;
    var order = Array.prototype.slice.call(list).sort(function (a, b) {
      return idNumber(a) - idNumber(b);
    });
    var at = order.indexOf(state.selected || document.activeElement);
    var next = at < 0 ? (delta > 0 ? 0 : order.length - 1) : (at + delta + order.length) % order.length;
    select(order[next], { zoom: !isVisible(boxOf(order[next])), reveal: true, focus: true });
  }

  function idNumber(g) {
    var m = /(\d+)$/.exec(g.getAttribute('id') || '');
    return m ? Number(m[1]) : 0;
  }

  function isVisible(box) {
    var v = viewportSize(), view = state.view;
    var w = (box[2] - box[0]) * view.s;
    return w >= 6 && box[0] * view.s + view.x >= 0 && box[2] * view.s + view.x <= v.w &&
      box[1] * view.s + view.y >= 0 && box[3] * view.s + view.y <= v.h;
  }

  // ---------------------------------------------------------------------------------
  // Search over annotation text and entity values, on every page

  function search(query) {
    var q = query.trim().toLowerCase();
    var hits = [];
    if (q) {
      var flat = flatten(q);
      for (var i = 0; i < state.index.length; i++) {
        var item = state.index[i];
        if (item.hay.indexOf(q) >= 0 || (flat && item.flat.indexOf(flat) >= 0)) hits.push(item);
      }
    }
    state.hits = hits;
    state.hitCursor = -1;
    listHits(q);
    markHits();
    return hits;
  }

  function listHits(q) {
    var list = $('hits');
    list.textContent = '';
    $('hits-panel').hidden = !q;
    $('search-count').textContent = q ? (state.hits.length === 1 ? '1 hit' : state.hits.length + ' hits') : '';
    var shown = Math.min(state.hits.length, MAX_HITS_LISTED);
    var fragment = document.createDocumentFragment();
    for (var i = 0; i < shown; i++) {
      var hit = state.hits[i];
      var button = el('button', { type: 'button', 'data-hit': String(i) });
      button.appendChild(el('span', { 'class': 'tag' }, hit.a.text));
      var matched = hit.a.values.filter(function (v) { return v.toLowerCase().indexOf(q) >= 0 && v !== hit.a.text; })[0];
      var where = hit.entry.file.label + ', page ' + hit.entry.model.page + (matched ? ' \u00b7 ' + matched : '');
      button.appendChild(el('div', { 'class': 'where' }, where));
      fragment.appendChild(el('li')).appendChild(button);
    }
    if (state.hits.length > shown) fragment.appendChild(el('li', { 'class': 'more' }, (state.hits.length - shown) + ' more; refine the search'));
    if (q && !state.hits.length) fragment.appendChild(el('li', { 'class': 'more' }, 'No annotation matches.'));
    list.appendChild(fragment);
  }

  /** Marks the shown page's hits, touching only the elements whose mark changes. */
  function markHits() {
    var entry = state.current, stage = $('stage');
    var marked = stage.querySelectorAll('.annotation.hit');
    var now = new Set();
    state.hits.forEach(function (h) {
      if (h.entry !== entry) return;
      var g = document.getElementById(h.a.id);
      if (g && stage.contains(g)) now.add(g);
    });
    for (var i = 0; i < marked.length; i++) if (!now.has(marked[i])) marked[i].classList.remove('hit');
    now.forEach(function (g) { if (!g.classList.contains('hit')) g.classList.add('hit'); });
  }

  /** Shows hit `i`: its page, zoomed onto it, selected. */
  function jumpToHit(i) {
    var hit = state.hits[i];
    if (!hit) return Promise.resolve();
    state.hitCursor = i;
    var buttons = $('hits').querySelectorAll('button[data-hit]');
    for (var b = 0; b < buttons.length; b++) buttons[b].setAttribute('aria-current', String(b === i));
    if (buttons[i] && buttons[i].scrollIntoView) buttons[i].scrollIntoView({ block: 'nearest' });
    return showPage(hit.entry, { updateHash: false }).then(function () {
      var g = document.getElementById(hit.a.id);
      if (g && $('stage').contains(g)) select(g, { zoom: true });
    });
  }

  // ---------------------------------------------------------------------------------
  // Deep links: #<key>/<page>[/<id>]

  function setHash() {
    if (!state.current || state.suppressHash || !state.current.file.key) return;
    var hash = '#' + pageName(state.current) + (state.selected ? '/' + state.selected.getAttribute('id') : '');
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  function parseHash(hash) {
    var s = hash.replace(/^#/, '');
    if (!s) return null;
    var files = state.model.files.filter(function (f) { return f.key; });
    files.sort(function (a, b) { return b.key.length - a.key.length; });
    for (var i = 0; i < files.length; i++) {
      var key = files[i].key;
      if (s !== key && s.indexOf(key + '/') !== 0) continue;
      var rest = s.slice(key.length + 1).split('/');
      var number = rest[0] ? parseInt(rest[0], 10) : 1;
      var entry = state.pages.filter(function (e) { return e.file === files[i] && e.model.page === number; })[0];
      if (!entry) continue;
      return { entry: entry, id: rest[1] || null };
    }
    return null;
  }

  /** Opens the page (and annotation) a hash names; null when it names none. */
  function openHash(hash, first) {
    var target = parseHash(hash);
    if (!target) return null;
    return showPage(target.entry, { updateHash: false }).then(function () {
      if (target.id) {
        var g = document.getElementById(target.id);
        if (g && $('stage').contains(g)) { select(g, { zoom: true }); return; }
      }
      if (!first || !target.id) setHash();
    });
  }

  // ---------------------------------------------------------------------------------
  // Tooltip: never under the pointer, never taking it

  function showTooltip(g, x, y) {
    var tip = $('tooltip');
    var text = g.getAttribute('data-text') || '';
    var confidence = g.getAttribute('data-confidence');
    var entity = g.querySelector('metadata entities > entity');
    var lines = [text];
    if (confidence !== null) lines.push('confidence ' + confidence);
    if (entity) {
      var id = entity.querySelector('field[name="externalId"]') || entity.querySelector('field[name="name"]');
      if (id) lines.push(fieldValues(id).join(', '));
    }
    tip.textContent = lines.join('\n');
    tip.hidden = false;
    moveTooltip(x, y);
  }

  function moveTooltip(x, y) {
    var tip = $('tooltip');
    if (tip.hidden) return;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = x + 16, top = y + 20;
    if (left + w > window.innerWidth - 4) left = x - w - 16;
    if (top + h > window.innerHeight - 4) top = y - h - 20;
    tip.style.left = Math.max(4, left) + 'px';
    tip.style.top = Math.max(4, top) + 'px';
  }

  function hideTooltip() { $('tooltip').hidden = true; }

  // ---------------------------------------------------------------------------------
  // Input

  function bindControls() {
    var viewport = $('viewport');
    var pointers = {};
    var drag = null; // { x, y, moved }
    var pinch = null; // { d, cx, cy }
    var suppressClick = false;

    function local(e) {
      var r = viewport.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    }

    viewport.addEventListener('pointerdown', function (e) {
      if (e.button !== 0 && e.pointerType === 'mouse') return;
      pointers[e.pointerId] = local(e);
      var ids = Object.keys(pointers);
      if (ids.length === 1) drag = { x: pointers[ids[0]].x, y: pointers[ids[0]].y, moved: false, id: e.pointerId };
      if (ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        pinch = { d: Math.hypot(a.x - b.x, a.y - b.y), cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2 };
        drag = null;
        viewport.setPointerCapture(e.pointerId);
      }
    });

    viewport.addEventListener('pointermove', function (e) {
      if (!pointers[e.pointerId]) {
        moveTooltip(e.clientX, e.clientY);
        return;
      }
      var p = local(e);
      pointers[e.pointerId] = p;
      var ids = Object.keys(pointers);
      if (pinch && ids.length >= 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        var d = Math.hypot(a.x - b.x, a.y - b.y), cx = (a.x + b.x) / 2, cy = (a.y + b.y) / 2;
        if (pinch.d > 0) zoomAt(d / pinch.d, cx, cy);
        pan(cx - pinch.cx, cy - pinch.cy);
        pinch = { d: d, cx: cx, cy: cy };
        suppressClick = true;
        return;
      }
      if (!drag) return;
      var dx = p.x - drag.x, dy = p.y - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) {
        drag.moved = true;
        viewport.setPointerCapture(e.pointerId);
        viewport.classList.add('dragging');
        hideTooltip();
      }
      pan(dx, dy);
      drag.x = p.x;
      drag.y = p.y;
    });

    function release(e) {
      if (!pointers[e.pointerId]) return;
      delete pointers[e.pointerId];
      if (drag && drag.moved) suppressClick = true;
      if (Object.keys(pointers).length < 2) pinch = null;
      if (!Object.keys(pointers).length) drag = null;
      viewport.classList.remove('dragging');
    }
    viewport.addEventListener('pointerup', release);
    viewport.addEventListener('pointercancel', release);

    viewport.addEventListener('click', function (e) {
      if (suppressClick) { suppressClick = false; e.stopPropagation(); return; }
      var g = e.target.closest ? e.target.closest('.annotation') : null;
      if (g && $('stage').contains(g)) select(g, { focus: true });
      else if (state.selected) select(null);
    }, true);

    viewport.addEventListener('wheel', function (e) {
      e.preventDefault();
      var p = local(e);
      var dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
      zoomAt(Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0015)), p.x, p.y);
    }, { passive: false });

    viewport.addEventListener('pointerover', function (e) {
      var g = e.target.closest ? e.target.closest('.annotation') : null;
      if (g && !drag) showTooltip(g, e.clientX, e.clientY);
    });
    viewport.addEventListener('pointerout', function (e) {
      var g = e.target.closest ? e.target.closest('.annotation') : null;
      if (g && !(e.relatedTarget && g.contains(e.relatedTarget))) hideTooltip();
    });
    viewport.addEventListener('pointerleave', hideTooltip);

    viewport.addEventListener('focusin', function (e) {
      var g = e.target.closest ? e.target.closest('.annotation') : null;
      if (g) reveal(boxOf(g));
    });

    viewport.addEventListener('keydown', function (e) {
      var g = e.target.closest ? e.target.closest('.annotation') : null;
      if (g && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        select(g, { reveal: true });
      }
    });

    document.addEventListener('keydown', function (e) {
      var typing = e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA');
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      var v = viewportSize();
      switch (e.key) {
        case '+': case '=': zoomCenter(ZOOM_STEP); break;
        case '-': case '_': zoomCenter(1 / ZOOM_STEP); break;
        case '0': fitView(); break;
        case 'ArrowLeft': pan(v.w * 0.1, 0); break;
        case 'ArrowRight': pan(-v.w * 0.1, 0); break;
        case 'ArrowUp': pan(0, v.h * 0.1); break;
        case 'ArrowDown': pan(0, -v.h * 0.1); break;
        case 'n': case ']': step(1); break;
        case 'p': case '[': step(-1); break;
        case 'PageDown': pageStep(1); break;
        case 'PageUp': pageStep(-1); break;
        case '/': $('search').focus(); $('search').select(); break;
        case 'Escape': if (state.selected) select(null); break;
        default: return;
      }
      e.preventDefault();
    });

    var input = $('search');
    input.addEventListener('input', function () { search(input.value); });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') {
        e.preventDefault();
        if (!state.hits.length) search(input.value);
        var n = state.hits.length;
        if (!n) return;
        var next = state.hitCursor < 0 ? 0 : (state.hitCursor + (e.shiftKey ? -1 : 1) + n) % n;
        jumpToHit(next);
      } else if (e.key === 'Escape') {
        input.value = '';
        search('');
        $('viewport').focus();
      }
    });
    $('hits').addEventListener('click', function (e) {
      var button = e.target.closest('button[data-hit]');
      if (button) jumpToHit(Number(button.getAttribute('data-hit')));
    });

    $('zoom-in').addEventListener('click', function () { zoomCenter(ZOOM_STEP); });
    $('zoom-out').addEventListener('click', function () { zoomCenter(1 / ZOOM_STEP); });
    $('zoom-fit').addEventListener('click', fitView);
    $('toggle-files').addEventListener('click', function () {
      var hidden = document.body.classList.toggle('files-hidden');
      this.setAttribute('aria-expanded', String(!hidden));
      refit();
    });

    window.addEventListener('hashchange', function () { openHash(location.hash, false); });
    var lastSize = viewportSize();
    window.addEventListener('resize', refit);
    function refit() {
      // Keep the page point at the viewport's centre where it was.
      var now = viewportSize(), view = state.view;
      view.x += (now.w - lastSize.w) / 2;
      view.y += (now.h - lastSize.h) / 2;
      lastSize = now;
      apply();
    }
  }

  function pageStep(delta) {
    if (!state.current) return;
    var next = state.pages[state.current.n + delta];
    if (next) showPage(next, { updateHash: true });
  }

  window.DiagramViewer = {
    job: job,
    overlay: overlay,
    session: session,
    /** For embedders and tests: search as the box does; resolves to the number of hits. */
    search: function (query) { $('search').value = query; return search(query).length; },
    /** The view: scale and offset of page pixels in the viewport. */
    view: function () { return { s: state.view.s, x: state.view.x, y: state.view.y }; },
    /** Zooms onto a box [x0, y0, x1, y1] of page pixels, as a search hit is shown. */
    zoomTo: function (box) { zoomTo(box); },
  };
})();
