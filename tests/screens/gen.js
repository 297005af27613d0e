#!/usr/bin/env node
// Generates the realistic screen suite: every page of pages.js in three variants (theme, font,
// size, zoom 1x/1.25x/2x), rendered by Debian's Chromium (playwright-core, CDP), captured as a
// `capture/1` archive the way a capture client takes one: one screenshot event per page with
// the window and the accessibility-like nodes (text, bounds, and `lines` from the text ranges'
// client rects, rows' cells concatenated without a separator, secure fields as dots).
// The archive goes to OUT/archive; ground truth to OUT/truth.json: every planted value's glyph boxes, every face box,
// every text line (with which planted values it holds).
//
//   node gen.js ASSETS OUT [SEED]
//
// Deterministic for one Chromium build and seed. Must never write a planted value anywhere but
// the frames, events.jsonl (node text, as a client would) and truth.json.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { rng } = require('./values');
const { TEMPLATES, css } = require('./pages');

const FONTS = ['"DejaVu Sans"', '"Liberation Sans"', '"Liberation Serif"', '"DejaVu Serif"'];
const MONOS = ['"DejaVu Sans Mono"', '"Liberation Mono"'];
const ZOOMS = [[1, 1440, 900], [1.25, 1152, 720], [2, 960, 540]];

// Runs in the page: draws canvases, then reads nodes, lines, planted boxes and faces.
async function inPage(spec) {
  const dpr = window.devicePixelRatio;
  const load = (src) => new Promise((ok, err) => { const i = new Image(); i.onload = () => ok(i); i.onerror = err; i.src = src; });
  const truth = { planted: [], lines: [], faces: [] };
  const px = (x) => Math.round(x * dpr * 100) / 100;
  const box = (l, t, w, h) => [px(l), px(t), px(w), px(h)];
  // Pictures drawn on canvases (meeting tiles without nodes).
  for (const c of document.querySelectorAll('canvas[data-src]')) {
    const r = c.getBoundingClientRect();
    c.width = Math.round(r.width * dpr); c.height = Math.round(r.height * dpr);
    const img = await load(c.dataset.src);
    c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
  }
  for (const img of document.images) if (!img.complete) await new Promise((ok) => { img.onload = ok; img.onerror = ok; });
  // Face boxes: the picture's face box mapped onto the element's box.
  for (const el of document.querySelectorAll('[data-face]')) {
    const r = el.getBoundingClientRect();
    const [fx, fy, fw, fh] = el.dataset.face.split(',').map(Number);
    const [nw, nh] = el.dataset.nat.split(',').map(Number);
    const sx = r.width / nw, sy = r.height / nh;
    truth.faces.push({ box: box(r.left + fx * sx, r.top + fy * sy, fw * sx, fh * sy), kind: el.tagName === 'IMG' ? 'picture_node' : el.tagName === 'CANVAS' ? 'video_tile' : 'avatar', node: el.tagName === 'IMG' });
  }
  // A crowd photo composed of small face crops on a pitch-like background.
  if (spec.crowd) {
    const c = document.getElementById('crowd');
    const { w, h, faces } = spec.crowd;
    c.style.width = w + 'px'; c.style.height = h + 'px'; c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    const g = c.getContext('2d'); g.scale(dpr, dpr);
    const grad = g.createLinearGradient(0, 0, 0, h); grad.addColorStop(0, '#6d7f99'); grad.addColorStop(0.45, '#3d5a3a'); grad.addColorStop(1, '#2f6b2a');
    g.fillStyle = grad; g.fillRect(0, 0, w, h);
    for (let i = 0; i < 400; i++) { g.fillStyle = `hsl(${(i * 47) % 360},40%,${30 + (i * 13) % 40}%)`; g.fillRect((i * 97) % w, 10 + (i * 31) % (h * 0.42), 6, 9); }
    const r = c.getBoundingClientRect();
    let k = 0;
    for (const f of faces) {
      const img = await load(f.src);
      const size = 22 + (k * 7) % 20, x = 20 + (k % 7) * 88 + (k * 13) % 30, y = 30 + Math.floor(k / 7) * 150 + (k * 17) % 40;
      g.fillStyle = '#c33'; g.fillRect(x - size * 0.25, y + size, size * 1.5, size * 1.4); // a shirt
      g.drawImage(img, x, y, size, size);
      truth.faces.push({ box: box(r.left + x + f.face[0] * size / 25, r.top + y + f.face[1] * size / 25, f.face[2] * size / 25, f.face[3] * size / 25), kind: 'crowd', node: false });
      k++;
    }
    c.setAttribute('data-node', 'image'); c.setAttribute('data-role', 'image');
  }
  // The remote desktop: text and a photo drawn on a canvas; nothing under it is a node.
  if (spec.remote) {
    const c = document.getElementById('rdp');
    const W = Math.min(innerWidth - 40, 820), H = Math.min(innerHeight - 70, 440);
    c.style.width = W + 'px'; c.style.height = H + 'px'; c.width = Math.round(W * dpr); c.height = Math.round(H * dpr);
    const g = c.getContext('2d'); g.scale(dpr, dpr);
    g.fillStyle = '#0a5a8a'; g.fillRect(0, 0, W, H);
    g.fillStyle = '#f0f0f0'; g.fillRect(20, 20, W - 40, H - 40);
    g.fillStyle = '#2a4d80'; g.fillRect(20, 20, W - 40, 24);
    const r = c.getBoundingClientRect();
    const size = spec.size;
    g.font = `${size}px ${spec.font}`; g.textBaseline = 'top';
    let y = 60;
    for (const l of spec.remote.lines) {
      g.font = `${l.h ? 'bold ' : ''}${size}px ${spec.font}`;
      g.fillStyle = '#111';
      g.fillText(l.t, 36, y);
      const lw = g.measureText(l.t).width;
      const line = { node: null, line: null, text: l.t + (l.pii ? l.pii[1] : ''), box: box(r.left + 36, r.top + y, lw + (l.pii ? g.measureText(l.pii[1]).width : 0), size * 1.2), planted: [] };
      if (l.pii) {
        g.fillText(l.pii[1], 36 + lw, y);
        const id = truth.planted.length;
        truth.planted.push({ entity: l.pii[0], value: l.pii[1], node: null, where: 'canvas', boxes: [box(r.left + 36 + lw, r.top + y, g.measureText(l.pii[1]).width, size * 1.2)] });
        line.planted.push(id);
      }
      truth.lines.push(line);
      y += size * 1.7;
    }
    const img = await load(spec.remote.photo.src);
    const ps = Math.min(150, H - 120), pxx = W - ps - 50, pyy = 70;
    g.drawImage(img, pxx, pyy, ps, ps);
    const f = spec.remote.photo.face;
    truth.faces.push({ box: box(r.left + pxx + f[0] * ps / 512, r.top + pyy + f[1] * ps / 512, f[2] * ps / 512, f[3] * ps / 512), kind: 'remote_photo', node: false });
  }
  // Nodes, as an accessibility tree gives them.
  const nodes = [];
  const range = document.createRange();
  let pid = truth.planted.length;
  const piiIds = new Map();
  for (const el of document.querySelectorAll('[data-node]')) {
    const kind = el.dataset.node, join = el.dataset.join === '\\n' ? '\n' : (el.dataset.join ?? ' ');
    const er = el.getBoundingClientRect();
    const n = { id: `${spec.page}-${spec.seq}-n${nodes.length + 1}`, role: el.dataset.role || 'text', text: '', bounds: box(er.left, er.top, er.width, er.height).map(Math.round), secure: kind === 'secure' };
    const index = nodes.length;
    nodes.push(n);
    if (kind === 'image') continue;
    // Every character with its box and the planted value it belongs to.
    const chars = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let t;
    while ((t = walker.nextNode())) {
      const span = t.parentElement.closest('.pii');
      let p = -1;
      if (span) {
        if (!piiIds.has(span)) { piiIds.set(span, pid++); truth.planted.push({ entity: span.dataset.e, value: span.textContent, node: index, where: spec.page, boxes: [] }); }
        p = piiIds.get(span);
      }
      for (let i = 0; i < t.data.length; i++) {
        if (t.data[i] === '\n') { chars.push({ ch: '\n' }); continue; }
        range.setStart(t, i); range.setEnd(t, i + 1);
        const rs = range.getClientRects();
        if (!rs.length || rs[0].width === 0) continue; // collapsed white space
        const q = rs[0];
        chars.push({ ch: t.data[i], l: q.left, t: q.top, r: q.right, b: q.bottom, p });
      }
    }
    // Visual lines: a new one at a hard break or when the top moves by half a line.
    const lines = [];
    let cur = null;
    for (const c of chars) {
      if (c.ch === '\n') { cur = null; continue; }
      if (!cur || Math.abs(c.t - cur.t) > (c.b - c.t) / 2 || c.l < cur.lastR - 2) { cur = { t: c.t, chars: [], lastR: -1e9 }; lines.push(cur); }
      cur.chars.push(c); cur.lastR = c.r;
    }
    const out = [];
    for (const [j, l] of lines.entries()) {
      let textOf = l.chars.map((c) => c.ch).join('');
      const lead = textOf.length - textOf.trimStart().length;
      const cs = l.chars.slice(lead, l.chars.length - (textOf.length - textOf.trimEnd().length) || undefined);
      if (!cs.length) continue;
      const L = Math.min(...cs.map((c) => c.l)), T = Math.min(...cs.map((c) => c.t)), R = Math.max(...cs.map((c) => c.r)), B = Math.max(...cs.map((c) => c.b));
      const lineText = cs.map((c) => c.ch).join('');
      const planted = [];
      for (const p of new Set(cs.filter((c) => c.p >= 0).map((c) => c.p))) {
        const mine = cs.filter((c) => c.p === p);
        const bl = Math.min(...mine.map((c) => c.l)), bt = Math.min(...mine.map((c) => c.t)), br = Math.max(...mine.map((c) => c.r)), bb = Math.max(...mine.map((c) => c.b));
        truth.planted[p].boxes.push(box(bl, bt, br - bl, bb - bt));
        planted.push(p);
      }
      truth.lines.push({ node: index, line: out.length, text: lineText, box: box(L, T, R - L, B - T), planted, secure: kind === 'secure' });
      out.push({ text: lineText, bounds: box(L, T, R - L, B - T).map(Math.round) });
    }
    n.text = out.map((l) => l.text).join(join);
    if (out.length) n.lines = out;
  }
  return { nodes, truth, width: Math.round(innerWidth * dpr), height: Math.round(innerHeight * dpr) };
}

async function main() {
  const [assets, outDir, seedArg] = process.argv.slice(2);
  if (!assets || !outDir) throw new Error('usage: node gen.js ASSETS OUT [SEED]');
  const seed = +(seedArg || 11);
  fs.rmSync(outDir, { recursive: true, force: true });
  const arch = path.join(outDir, 'archive');
  fs.mkdirSync(path.join(arch, 'frames'), { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--font-render-hinting=none'],
  });
  const events = [], truth = { seed, frames: [] };
  let seq = 0;
  const names = Object.keys(TEMPLATES);
  for (const [t, name] of names.entries()) {
    for (let k = 0; k < 3; k++) {
      const r = rng(seed * 1000 + t * 10 + k);
      const [zoom, vw, vh] = ZOOMS[(t + k) % 3];
      const v = { dark: k === 1, font: FONTS[(t + k) % FONTS.length], mono: MONOS[(t + k) % 2], size: [13, 14, 15, 16][(t * 3 + k) % 4], imageNodes: k !== 0 };
      const page = TEMPLATES[name](r, v);
      page.page = name;
      const ctx = await browser.newContext({ viewport: { width: vw, height: vh }, deviceScaleFactor: zoom });
      const tab = await ctx.newPage();
      const html = `<!doctype html><html><head><meta charset="utf-8"><base href="file://${path.resolve(assets)}/"><style>${css(v, page)}</style></head><body>${page.html}</body></html>`;
      const file = path.join(outDir, `.page.html`);
      fs.writeFileSync(file, html);
      await tab.goto('file://' + path.resolve(file));
      await tab.evaluate(() => document.fonts.ready);
      const got = await tab.evaluate(inPage, { page: name, seq: seq + 1, crowd: page.crowd, remote: page.remote, font: page.mono ? v.mono : v.font, size: v.size });
      seq += 1;
      const image = `frames/${String(seq).padStart(6, '0')}.png`;
      await tab.screenshot({ path: path.join(arch, image), type: 'png' });
      await ctx.close();
      const win = { app: page.app, title: page.title, bounds: [0, 0, got.width, got.height] };
      events.push({ seq, ts: 1716200000000 + seq * 1000, kind: 'screenshot', image, app: page.app, windows: [win], nodes: got.nodes });
      truth.frames.push({ seq, image, page: name, zoom, theme: v.dark || page.dark ? 'dark' : 'light', font: page.mono ? v.mono : v.font, size: v.size, image_nodes: v.imageNodes, ...got.truth });
    }
  }
  await browser.close();
  fs.rmSync(path.join(outDir, '.page.html'));
  fs.writeFileSync(path.join(arch, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  fs.writeFileSync(path.join(arch, 'meta.json'), JSON.stringify({ format: 'capture/1', client: 'veil-screen-suite', screen: [1440, 900] }));
  fs.writeFileSync(path.join(outDir, 'truth.json'), JSON.stringify(truth));
  const planted = truth.frames.reduce((a, f) => a + f.planted.length, 0), faces = truth.frames.reduce((a, f) => a + f.faces.length, 0);
  console.log(`screen suite: ${events.length} frames, ${planted} planted values, ${faces} faces -> ${outDir}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
