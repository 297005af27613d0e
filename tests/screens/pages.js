// The screen suite's pages: app-like HTML (mail, chat, records, login, code, terminal,
// spreadsheet, meeting, document, remote desktop, news photo), each a function of a seeded
// random source and a variant (theme, font, zoom). Planted values are wrapped in
// <span class="pii" data-e=ENTITY>; elements a capture client would expose carry data-node
// (text | row | input | secure | image) and data-join (how it joins lines into the node's text:
// " " for wrapped prose, "" for rows whose cells the client concatenates, "\n" for editors).
// Faces are <img>/<div> with data-face = the face box in the picture's own pixels.
// Must never plant a value outside a .pii span (the truth would miss it).
'use strict';
const { values, FILLER } = require('./values');

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const P = (e, v) => `<span class="pii" data-e="${e}">${esc(v)}</span>`;
const node = (kind, html, { role = 'text', join = ' ', cls = '', style = '' } = {}) =>
  `<div data-node="${kind}" data-role="${role}" data-join="${join === '\n' ? '\\n' : join}" class="${cls}" style="${style}">${html}</div>`;
const text = (html, o = {}) => node('text', html, o);

// Face pictures (file names under the assets folder) and their face boxes in picture pixels.
const ASTRONAUT = { src: 'astronaut.png', w: 512, h: 512, face: [181, 52, 89, 122] };
const CAMERA = { src: 'camera.png', w: 512, h: 512, face: [176, 96, 82, 104] };
const lfw = (k) => ({ src: `lfw/${String(k).padStart(3, '0')}.png`, w: 25, h: 25, face: [2, 2, 21, 22] });

function avatar(pic, size, withNode) {
  const face = pic.face.join(',');
  const style = `width:${size}px;height:${size}px;background-image:url(${pic.src});background-size:cover;border-radius:50%;flex:none`;
  return withNode
    ? `<img data-node="image" data-role="image" alt="Profile picture" src="${pic.src}" data-face="${face}" data-nat="${pic.w},${pic.h}" style="width:${size}px;height:${size}px;border-radius:50%;flex:none">`
    : `<div class="face" data-face="${face}" data-nat="${pic.w},${pic.h}" style="${style}"></div>`;
}

function mail(r, v) {
  const a = values(r), b = values(r), c = values(r);
  const list = [a, b, c, values(r)].map((x, i) =>
    `<div class="item">${text(`${P('PERSON', x.name)}`, { cls: 'b' })}${text(esc(r.pick(FILLER)), { cls: 'muted' })}</div>`).join('');
  const body = [
    text(`From: ${P('PERSON', a.name)} &lt;${P('EMAIL_ADDRESS', a.email)}&gt;`),
    text(`To: ${P('EMAIL_ADDRESS', b.email)}`, { cls: 'muted' }),
    text(esc(r.pick(FILLER)) + '. ' + esc(r.pick(FILLER)) + '. Could you call me back on ' + P('PHONE_NUMBER', a.phone) + ' before the review? ' + esc(r.pick(FILLER)) + '.', { cls: 'para' }),
    text(`The parcel goes to ${P('LOCATION', a.address)} as usual.`, { cls: 'para' }),
    text(esc(r.pick(FILLER)) + '.', { cls: 'para' }),
    text(`Best regards, ${P('PERSON', a.name)}`),
    text(`Mobile ${P('PHONE_NUMBER', c.phone)}`, { cls: 'muted' }),
  ].join('');
  return { app: 'chrome', title: 'Inbox - Mail', html: `<div class="cols"><div class="side">${['Inbox', 'Starred', 'Sent', 'Drafts', 'Archive'].map((t) => text(t)).join('')}</div><div class="list">${list}</div><div class="main">${text(esc(r.pick(FILLER)), { cls: 'h' })}${body}</div></div>` };
}

function chat(r, v) {
  const people = [values(r), values(r), values(r)];
  const size = r.pick([32, 36, 40, 48]);
  const msgs = [];
  for (let i = 0; i < 8; i++) {
    const p = people[i % 3];
    const pic = lfw(r.int(100));
    const extra = [
      () => esc(r.pick(FILLER)),
      () => `mail me at ${P('EMAIL_ADDRESS', p.email)} please`,
      () => `my number is ${P('PHONE_NUMBER', p.phone)}`,
      () => `${esc(r.pick(FILLER))}, ping ${P('PERSON', people[(i + 1) % 3].name)} too`,
      () => `card for the booking: ${P('CREDIT_CARD', p.card)}`,
    ][i % 5]();
    msgs.push(`<div class="msg">${avatar(pic, size, v.imageNodes)}<div>${text(`<b>${P('PERSON', p.name)}</b> <span class="muted">10:${10 + i}</span> ${extra}`)}</div></div>`);
  }
  return { app: 'slack', title: 'general - Chat', html: `<div class="cols"><div class="side">${['# general', '# random', '# deploys'].map((t) => text(esc(t))).join('')}</div><div class="main">${msgs.join('')}</div></div>` };
}

function records(r, v) {
  const a = values(r);
  // Label and value cells: the client exposes the row, its cells concatenated without a separator.
  const row = (label, html) => node('row', `<span class="lab">${label}</span><span class="val">${html}</span>`, { join: '', cls: 'rec' });
  const rows = [
    row('Name', P('PERSON', a.name)), row('Email', P('EMAIL_ADDRESS', a.email)), row('Phone', P('PHONE_NUMBER', a.phone)),
    row('SSN', P('US_SSN', a.ssn)), row('Card', P('CREDIT_CARD', a.card)), row('IBAN', P('IBAN_CODE', a.iban)),
    row('Date of birth', P('DATE_OF_BIRTH', a.dob)), row('Address', P('LOCATION', a.address)),
    row('Plan', r.pick(['Gold', 'Silver', 'Enterprise'])), row('Status', r.pick(['Active', 'Pending review'])), row('Owner team', r.pick(['Billing', 'Support EMEA'])),
  ];
  return { app: 'chrome', title: 'Customer record - CRM', html: `${text('Customer record', { cls: 'h' })}<div class="card">${rows.join('')}</div>${text(esc(r.pick(FILLER)), { cls: 'muted' })}` };
}

function login(r, v) {
  const a = values(r);
  const user = r.chance(0.5) ? P('EMAIL_ADDRESS', a.email) : esc(a.user);
  return {
    app: 'chrome', title: 'Sign in',
    html: `<div class="login">${text('Sign in to your account', { cls: 'h' })}
<div class="field">${text('Username')}${node('input', user, { role: 'textbox', cls: 'input' })}</div>
<div class="field">${text('Password')}${node('secure', '&bull;'.repeat(10), { role: 'password', cls: 'input' })}</div>
<div class="field">${text('Remember me')}${text('Forgot password?', { cls: 'link' })}</div>
${text('Sign in', { cls: 'button' })}</div>`,
  };
}

function code(r, v) {
  const a = values(r);
  const lines = [
    `import os`, `from billing.client import InvoiceClient`, ``,
    `# Maintainer: ${P('PERSON', a.name)} &lt;${P('EMAIL_ADDRESS', a.email)}&gt;`,
    `AWS_ACCESS_KEY_ID = "${P('SECRET', a.aws)}"`,
    `GITHUB_TOKEN = "${P('SECRET', a.ghp)}"`,
    `DATABASE_URL = "postgres://app:${P('PASSWORD', a.dbpass)}@db.internal:5432/prod"`, ``,
    `def fetch_invoices(client, since_days=30):`, `    """Fetch invoices updated in the last days."""`,
    `    resp = client.get("/v2/invoices", params={"since": since_days})`, `    resp.raise_for_status()`,
    `    return [parse_invoice(row) for row in resp.json()["items"]]`,
  ];
  const gutter = lines.map((_, i) => i + 1).join('\n');
  return { app: 'code', title: 'billing.py - Visual Studio Code', mono: true, html: `<div class="editor"><pre class="gutter">${gutter}</pre>${node('text', lines.join('\n'), { join: '\n', cls: 'code', role: 'document' })}</div>` };
}

function terminal(r, v) {
  const a = values(r);
  const lines = [
    `$ export AWS_ACCESS_KEY_ID=${P('SECRET', a.aws)}`, `$ git push origin main`, `Enumerating objects: 12, done.`,
    `Writing objects: 100% (7/7), 1.21 KiB, done.`, `$ ssh ${P('EMAIL_ADDRESS', a.email)}`,
    `$ psql "postgres://admin:${P('PASSWORD', a.dbpass)}@10.2.0.8/prod"`, `prod=# select count(*) from invoices;`, ` 4821`,
    `$ cargo test --release`, `test result: ok. 212 passed; 0 failed`,
  ];
  return { app: 'terminal', title: 'Terminal', mono: true, dark: true, html: `${node('text', lines.join('\n'), { join: '\n', cls: 'term', role: 'terminal' })}` };
}

function sheet(r, v) {
  const head = ['Name', 'Email', 'Phone', 'Amount', 'Status'];
  const cell = (h) => text(h, { cls: 'cell' });
  const rows = [head.map((h) => cell(`<b>${h}</b>`)).join('')];
  for (let i = 0; i < 8; i++) {
    const a = values(r);
    rows.push([P('PERSON', a.name), P('EMAIL_ADDRESS', a.email), P('PHONE_NUMBER', a.phone), `${r.int(9000) + 100}.${r.digits(2)}`, r.pick(['Paid', 'Open', 'Overdue'])].map(cell).join(''));
  }
  return { app: 'excel', title: 'Invoices.xlsx - Spreadsheet', html: `${text('Invoices Q3', { cls: 'h' })}<div class="grid">${rows.map((x) => `<div class="gr">${x}</div>`).join('')}</div>` };
}

function meeting(r, v) {
  const pics = [ASTRONAUT, CAMERA, lfw(r.int(100)), lfw(r.int(100))];
  const tiles = pics.map((p) => {
    const who = values(r);
    const img = v.imageNodes
      ? `<img data-node="image" data-role="image" alt="Video" src="${p.src}" data-face="${p.face.join(',')}" data-nat="${p.w},${p.h}" class="tileimg">`
      : `<canvas class="tileimg" data-src="${p.src}" data-face="${p.face.join(',')}" data-nat="${p.w},${p.h}"></canvas>`;
    return `<div class="tile">${img}${text(P('PERSON', who.name), { cls: 'tag' })}</div>`;
  });
  const cal = values(r);
  return { app: 'zoom', title: 'Weekly sync - Meeting', html: `<div class="cols"><div class="main"><div class="tiles">${tiles.join('')}</div></div><div class="side wide">${text('Today', { cls: 'h' })}${text(`10:00 1:1 with ${P('PERSON', cal.name)}`)}${text('11:30 Design review')}${text('14:00 ' + esc(r.pick(FILLER)))}</div></div>` };
}

function documentPage(r, v) {
  const a = values(r), b = values(r);
  const paras = [
    `This agreement is made between ${P('PERSON', a.name)}, born ${P('DATE_OF_BIRTH', a.dob)}, residing at ${P('LOCATION', a.address)}, and the company. ${esc(r.pick(FILLER))}. ${esc(r.pick(FILLER))}.`,
    `${esc(r.pick(FILLER))}. Payments go to the account ${P('IBAN_CODE', a.iban)} each month. ${esc(r.pick(FILLER))}. ${esc(r.pick(FILLER))}.`,
    `Questions about this document can be sent to ${P('EMAIL_ADDRESS', b.email)} or by phone on ${P('PHONE_NUMBER', b.phone)}. ${esc(r.pick(FILLER))}.`,
    `${esc(r.pick(FILLER))}. ${esc(r.pick(FILLER))}. ${esc(r.pick(FILLER))}.`,
  ];
  return { app: 'word', title: 'Agreement.docx - Document', html: `<div class="doc">${text('Service agreement', { cls: 'h' })}${paras.map((p) => text(p, { cls: 'para' })).join('')}</div>` };
}

function remote(r, v) {
  const a = values(r);
  // Drawn on a canvas by the page script (see gen.js): no node covers any of it.
  const lines = [
    { t: 'Patient record', h: true },
    { t: 'Name: ', pii: ['PERSON', a.name] }, { t: 'Date of birth: ', pii: ['DATE_OF_BIRTH', a.dob] },
    { t: 'SSN: ', pii: ['US_SSN', a.ssn] }, { t: 'Address: ', pii: ['LOCATION', a.address] },
    { t: 'Allergies: none known' }, { t: 'Next appointment: Tuesday 09:30' },
  ];
  return { app: 'mstsc', title: 'ward-pc-12 - Remote Desktop Connection', remote: { lines, photo: ASTRONAUT },
    html: `${text('ward-pc-12 - Remote Desktop', { cls: 'muted' })}<canvas id="rdp"></canvas>` };
}

function news(r, v) {
  const a = values(r);
  const faces = Array.from({ length: 14 }, () => lfw(r.int(100)));
  return { app: 'chrome', title: 'Local news', crowd: { faces, w: 640, h: 360 },
    html: `<div class="doc">${text(esc('Home side wins the derby in extra time'), { cls: 'h' })}<canvas id="crowd"></canvas>${text('Fans celebrate after the final whistle.', { cls: 'muted' })}${text(`Reported by ${P('PERSON', a.name)}. ${esc(r.pick(FILLER))}.`, { cls: 'para' })}</div>` };
}

const TEMPLATES = { mail, chat, records, login, code, terminal, sheet, meeting, document: documentPage, remote, news };

function css(v, page) {
  const dark = v.dark || page.dark;
  const [bg, fg, muted, panel, border] = dark ? ['#1e1f22', '#e3e3e3', '#9a9ea6', '#2b2d31', '#3c3f45'] : ['#ffffff', '#1f2328', '#6a737d', '#f3f4f6', '#d0d7de'];
  const font = page.mono ? v.mono : v.font;
  return `
*{box-sizing:border-box} html,body{margin:0;background:${bg};color:${fg};font-family:${font};font-size:${v.size}px;line-height:1.45}
body{padding:14px} .muted{color:${muted}} .h{font-size:1.35em;font-weight:600;margin:4px 0 10px} .b{font-weight:600}
.cols{display:flex;gap:18px} .side{width:150px;background:${panel};padding:8px;border-radius:6px;flex:none} .side.wide{width:260px}
.list{width:250px;flex:none} .item{padding:6px 4px;border-bottom:1px solid ${border}} .main{flex:1;min-width:0} .para{margin:8px 0}
.msg{display:flex;gap:10px;align-items:flex-start;margin:8px 0}
.card{border:1px solid ${border};border-radius:6px;padding:8px 14px;max-width:640px} .rec{display:flex;padding:3px 0} .lab{width:140px;color:${muted};flex:none}
.login{width:360px;margin:30px auto;padding:20px;border:1px solid ${border};border-radius:8px} .field{margin:10px 0;display:flex;flex-direction:column;gap:4px}
.input{border:1px solid ${border};border-radius:4px;padding:5px 8px;min-height:1.9em;background:${panel}} .link{color:#2f81f7} .button{background:#2f81f7;color:#fff;padding:6px 12px;border-radius:6px;display:inline-block}
.editor{display:flex;gap:14px;background:${dark ? '#1e1e1e' : '#fafafa'};padding:10px} .gutter{margin:0;color:${muted};text-align:right;font:inherit} .code,.term{white-space:pre;font:inherit}
.term{background:${dark ? '#0c0c0c' : '#fff'};padding:10px}
.grid{display:table;border-collapse:collapse} .gr{display:table-row} .cell{display:table-cell;border:1px solid ${border};padding:3px 8px}
.tiles{display:grid;grid-template-columns:1fr 1fr;gap:10px} .tile{background:#000;position:relative;aspect-ratio:16/10;display:flex;align-items:center;justify-content:center;border-radius:8px;overflow:hidden}
.tileimg{height:100%;aspect-ratio:1} .tag{position:absolute;left:8px;bottom:6px;background:rgba(0,0,0,.6);color:#fff;padding:1px 6px;border-radius:4px}
.doc{max-width:720px} canvas#rdp{display:block;margin-top:6px}`;
}

module.exports = { TEMPLATES, css, esc };
