// Planted values and filler for the screen suite: seeded, valid where the format has a checksum
// (Luhn cards, mod-97 IBANs, SSN areas), so a miss is the engine's, not a malformed value's.
// Must never produce a value that could be a real person's data beyond fictional ranges
// (555-01xx phones, example.com/.org/.net mail, test card IINs).
'use strict';

function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (xs) => xs[next.int(xs.length)];
  next.digits = (n) => Array.from({ length: n }, () => next.int(10)).join('');
  next.chance = (p) => next() < p;
  return next;
}

const FIRST = ['Jane', 'Priya', 'Marcus', 'Olivia', 'Hiroshi', 'Fatima', 'Lukas', 'Amelia', 'Diego', 'Chloe',
  'Tomasz', 'Ingrid', 'Kwame', 'Sofia', 'Rafael', 'Hannah', 'Mateo', 'Aisha', 'Viktor', 'Elena', 'Noah', 'Mei'];
const LAST = ['Doe', 'Patel', 'Okafor', 'Lindqvist', 'Tanaka', 'Haddad', 'Becker', 'Hughes', 'Alvarez', 'Dubois',
  'Kowalski', 'Nilsen', 'Mensah', 'Rossi', 'Moreau', 'Schmidt', 'Garcia', 'Rahman', 'Novak', 'Petrova', 'Walsh', 'Chen'];
const STREETS = ['Maple Avenue', 'Harbour Road', 'Elm Street', 'Kingsway', 'Rue des Lilas', 'Baker Street', 'Oak Lane', 'Mill Road'];
const CITIES = ['Springfield', 'Bristol', 'Rotterdam', 'Lyon', 'Denver', 'Leipzig', 'Porto', 'Galway'];

function luhnComplete(prefix, len, r) {
  let s = prefix + r.digits(len - prefix.length - 1);
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    let d = +s[s.length - 1 - i];
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return s + ((10 - (sum % 10)) % 10);
}

function mod97(s) {
  let rem = 0;
  for (const ch of s) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + +d) % 97;
  }
  return rem;
}

function iban(r) {
  const [cc, bban] = r.pick([['DE', () => r.digits(18)], ['GB', () => 'WEST' + r.digits(14)], ['NL', () => 'ABNA' + r.digits(10)],
    ['FR', () => r.digits(23)]]).map((x) => (typeof x === 'function' ? x() : x));
  const check = 98 - mod97(bban + cc + '00');
  return cc + String(check).padStart(2, '0') + bban;
}

function group(s, n, sep = ' ') {
  return s.match(new RegExp(`.{1,${n}}`, 'g')).join(sep);
}

function values(r) {
  const first = r.pick(FIRST), last = r.pick(LAST);
  const name = `${first} ${last}`;
  const domain = r.pick(['example.com', 'example.org', 'example.net']);
  const email = `${first.toLowerCase()}.${last.toLowerCase()}${r.chance(0.4) ? r.int(90) + 10 : ''}@${domain}`;
  const area = r.pick(['415', '212', '617', '303', '206']);
  const phone = r.pick([`+1 ${area}-555-01${r.digits(2)}`, `(${area}) 555-01${r.digits(2)}`, `+44 20 7946 0${r.digits(3)}`, `+49 30 901820${r.digits(2)}`]);
  const cardRaw = luhnComplete(r.pick(['4111', '4012', '5555', '5105']), 16, r);
  const card = r.chance(0.5) ? group(cardRaw, 4) : cardRaw;
  const ssn = `${r.pick(['123', '219', '536', '078', '432'])}-${String(r.int(98) + 1).padStart(2, '0')}-${String(r.int(9998) + 1).padStart(4, '0')}`;
  const ibanRaw = iban(r);
  const ibanShown = r.chance(0.5) ? group(ibanRaw, 4) : ibanRaw;
  const address = `${r.int(180) + 12} ${r.pick(STREETS)}, ${r.pick(CITIES)}`;
  const dob = `${String(r.int(27) + 1).padStart(2, '0')}/${String(r.int(12) + 1).padStart(2, '0')}/19${r.int(40) + 55}`;
  const alnum = (n, set = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567') => Array.from({ length: n }, () => set[r.int(set.length)]).join('');
  const aws = 'AKIA' + alnum(16);
  const ghp = 'ghp_' + alnum(36, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
  const dbpass = alnum(6, 'abcdefghijkmnpqrstuvwxyz') + r.digits(3) + '!' + alnum(3, 'ABCDEFGHJKLMNPQR');
  const user = `${first.toLowerCase()}${last.toLowerCase()[0]}${r.digits(2)}`;
  return { first, last, name, email, phone, card, ssn, iban: ibanShown, address, dob, aws, ghp, dbpass, user };
}

// Lines with no personal data: what must stay readable.
const FILLER = [
  'Quarterly planning review moved to Thursday', 'Please find the updated roadmap attached', 'Build passed on main after the retry',
  'Release notes for version 4.2 are ready', 'The staging cluster will restart at noon', 'Thanks, that works for me',
  'Can we ship the invoice export this sprint?', 'Design review: onboarding flow, second pass', 'Reminder: expense reports are due Friday',
  'Dashboard latency improved by 18 percent', 'Moving the standup to the large room', 'Ticket closed as duplicate of the export bug',
  'Budget approved for the new laptops', 'Lunch order goes in at eleven thirty', 'Docs updated with the new retry policy',
  'Pipeline flaky on the integration stage again', 'Sprint goal: finish the billing migration', 'Customer asked for a CSV download',
];

module.exports = { rng, values, FILLER, group, luhnComplete, iban, mod97 };
