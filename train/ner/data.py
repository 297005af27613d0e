"""Synthetic PII NER data: faker values in many locales poured into many templates.

Each example is {"text", "spans": [[start, end, ENTITY], ...], "split", "template"}; spans are
character offsets. Entities: PERSON, LOCATION (cities, countries, regions, street addresses),
ORGANIZATION. Everything else is O, including the hard negatives the templates carry on
purpose: product and app names, UI words, code identifiers, file names, emails and phone
numbers (those are the regex rules' job; the model must not learn to fire on them).

The held-out split uses its own templates (TEST_TEMPLATES), never seen in training, and its
own faker seed, so its figures measure generalisation to new wording, not memory.

    python data.py --train 48000 --test 3000 --out data/   (v2: the student's data)
    python data.py --train 24000 --test 3000 --v1 --out data/   (the teacher's)
"""
import argparse
import json
import os
import random
import re
import sys

from faker import Faker

sys.path.insert(0, os.path.dirname(__file__))

LOCALES = ["en_US", "en_GB", "en_AU", "en_CA", "en_IE", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA",
           "es_ES", "es_MX", "it_IT", "nl_NL", "pt_BR", "pt_PT", "pl_PL", "sv_SE", "da_DK", "no_NO", "fi_FI",
           "cs_CZ", "hu_HU", "ro_RO", "tr_TR", "id_ID", "vi_VN", "zh_CN", "ja_JP", "ko_KR", "ru_RU"]

from vocab import (FIELD_LABELS, IDENTS, INDUSTRIES, PLACE_WORDS, PLAN_HEADS, PLAN_TAILS, PLAN_WORDS,  # noqa: E402
                   PRODUCTS, STATUSES, UI_SPLIT, UI_WORDS, WORDS)


class Values:
    """Faker-backed value sources; each returns (text, entity or None)."""

    def __init__(self, seed, split="train"):
        self.split = split
        self.rng = random.Random(seed)
        self.fakers = {}
        for i, loc in enumerate(LOCALES):
            f = Faker(loc)
            f.seed_instance(seed * 1000 + i)
            self.fakers[loc] = f

    def f(self, latin_bias=0.8):
        if self.rng.random() < latin_bias:
            loc = self.rng.choice(LOCALES[:25])
        else:
            loc = self.rng.choice(LOCALES)
        return self.fakers[loc]

    def _try(self, fn, default):
        try:
            v = fn()
            return v if v else default
        except Exception:  # some locales lack some providers
            return default

    def person(self):
        f = self.f()
        r = self.rng.random()
        first = self._try(f.first_name, "Anna")
        last = self._try(f.last_name, "Berg")
        if r < 0.45:
            return f"{first} {last}"
        if r < 0.55:
            return self._try(f.name, f"{first} {last}")
        if r < 0.62:
            return f"{last}, {first}"
        if r < 0.68:
            return f"{first[0]}. {last}"
        if r < 0.74:
            return f"{self.rng.choice(['Dr.', 'Mr.', 'Ms.', 'Mrs.', 'Prof.', 'Herr', 'Frau', 'Mme', 'M.'])} {last}"
        if r < 0.80:
            return f"{first} {self._try(f.first_name, 'Maria')[0]}. {last}"
        if r < 0.86:
            return f"{first} {last}-{self._try(f.last_name, 'Lind')}"
        return f"{first} {last}"

    def first(self):
        return self._try(self.f().first_name, "Anna")

    def last(self):
        return self._try(self.f().last_name, "Berg")

    def city(self):
        return self._try(self.f().city, "Lyon")

    def country(self):
        return self._try(self.fakers["en_US"].country, "France") if self.rng.random() < 0.6 else self._try(self.f().country, "Spain")

    def region(self):
        f = self.f()
        for attr in ("state", "region", "province", "county"):
            if hasattr(f, attr):
                v = self._try(getattr(f, attr), None)
                if v:
                    return v
        return self.city()

    def street(self):
        return self._try(self.f().street_address, "12 Rue de la Paix")

    def address(self):
        f = self.f()
        a = self._try(f.address, "12 Main Street, Springfield")
        # one line: the decoder ends spans at line breaks (templates put parts on separate lines)
        return a.replace("\n", self.rng.choice([", ", ", ", " "]))

    def city_country(self):
        return f"{self.city()}, {self.country()}"

    def org(self):
        r = self.rng.random()
        if r < 0.6:
            return self._try(self.f().company, "Acme Corp")
        if r < 0.68:
            return f"{self.last()} & {self.last()} {self.rng.choice(['LLP', 'LLC', 'GmbH', 'Partners', 'Associates', 'AG', 'S.A.'])}"
        if r < 0.76:
            return f"University of {self.city()}"
        if r < 0.82:
            return f"{self.city()} {self.rng.choice(['General Hospital', 'City Council', 'Savings Bank', 'Medical Center', 'Public Library', 'High School', 'Football Club', 'Chamber of Commerce'])}"
        if r < 0.88:
            return f"{self.last()} {self.rng.choice(['Consulting', 'Logistics', 'Holdings', 'Industries', 'Solutions', 'Labs', 'Systems', 'Capital', 'Bakery', 'Dental', 'Legal'])}"
        if r < 0.94:
            return f"{self.rng.choice(['Bank of', 'Port of', 'Museum of', 'Institute of Technology of'])} {self.city()}"
        return self._try(self.fakers["en_US"].company, "Globex LLC")

    def email(self):
        return self._try(self.f().email, "a.b@example.com")

    def phone(self):
        return self._try(self.f().phone_number, "+1 555 0100")

    def date(self):
        return self.fakers["en_US"].date()

    def num(self):
        return str(self.rng.randint(1, 9999))

    def money(self):
        return f"{self.rng.choice(['$', '€', '£', ''])}{self.rng.randint(1, 99999)}.{self.rng.randint(0, 99):02d}"

    def job(self):
        return self._try(self.fakers["en_US"].job, "Engineer")

    def url(self):
        return self._try(self.fakers["en_US"].url, "https://example.com/")

    def user(self):
        return self._try(self.f().user_name, "jdoe")

    def label(self):
        return self.rng.choice(FIELD_LABELS)

    def plan(self):
        """A plan, tier or product name: never an entity, however capitalised."""
        r = self.rng.random()
        head = self.rng.choice(PLAN_HEADS[self.split])
        tail = self.rng.choice(PLAN_TAILS[self.split])
        if r < 0.35:
            return head + tail
        if r < 0.5:
            return f"{head}{tail} {self.rng.choice(['Pro', 'Plus', 'X', '2', '360', 'Max', 'Mini', 'Lite', '5', 'Air'])}"
        if r < 0.65:
            return f"{tail} plan" if self.rng.random() < 0.5 else f"{self.rng.choice(PLAN_WORDS[self.split])} plan"
        if r < 0.8:
            return self.rng.choice(PLAN_WORDS[self.split])
        return f"{head} {tail}"

    def placeword(self):
        w = self.rng.choice(PLACE_WORDS[self.split])
        return w.capitalize() if self.rng.random() < 0.5 else w

    def industry(self):
        return self.rng.choice(INDUSTRIES)

    def status(self):
        return self.rng.choice(STATUSES)

    def chrome(self):
        return self.rng.choice(UI_SPLIT[self.split])

    def login(self):
        """A user name as typed in a login form: handle-shaped, never a name span."""
        u = self.user()
        r = self.rng.random()
        if r < 0.25:
            u += str(self.rng.randint(1, 999))
        elif r < 0.35:
            u = u.replace(".", "_")
        return u

    def sentence(self):
        """Common English words in a sentence (faker's en_US word list): never names."""
        t = self.fakers["en_US"].sentence(nb_words=self.rng.randint(4, 14))
        return t.lower() if self.rng.random() < 0.3 else t

    def opaque(self):
        """Passwords, ids, hashes: never names, however they look."""
        f = self.fakers["en_US"]
        r = self.rng.random()
        if r < 0.35:
            return f.password(length=self.rng.randint(8, 16), special_chars=self.rng.random() < 0.5)
        if r < 0.55:
            return str(f.uuid4())
        if r < 0.7:
            return f.sha1()[: self.rng.randint(7, 40)]
        if r < 0.85:
            return f.bothify(self.rng.choice(["??-####", "INC#######", "JIRA-####", "PR-###", "#?#?#?#?", "??##??##"])).upper()
        return f.ean13()


# Placeholder -> (value method, entity). Entity None: the value is O (a hard negative or context).
SLOTS = {
    "PER": ("person", "PERSON"), "FIRST": ("first", "PERSON"), "LAST": ("last", "PERSON"),
    "CITY": ("city", "LOCATION"), "COUNTRY": ("country", "LOCATION"), "REGION": ("region", "LOCATION"),
    "STREET": ("street", "LOCATION"), "ADDR": ("address", "LOCATION"), "CITYC": ("city_country", "LOCATION"),
    "ORG": ("org", "ORGANIZATION"),
    "EMAIL": ("email", None), "PHONE": ("phone", None), "DATE": ("date", None), "NUM": ("num", None),
    "MONEY": ("money", None), "JOB": ("job", None), "URL": ("url", None), "USER": ("user", None),
    "LABEL": ("label", None), "OPAQUE": ("opaque", None),
    "PLAN": ("plan", None), "PLACEWORD": ("placeword", None), "INDUSTRY": ("industry", None), "STATUS": ("status", None),
    "CHROME": ("chrome", None), "LOGIN": ("login", None), "SENT": ("sentence", None),
    "PRODUCT": (None, None), "UI": (None, None), "IDENT": (None, None), "WORD": (None, None),
}
LISTS = {"PRODUCT": PRODUCTS, "UI": UI_WORDS, "IDENT": IDENTS, "WORD": WORDS}

# Training templates, by where the text comes from in a capture.
TRAIN_TEMPLATES = {
    "email": [
        "Hi {FIRST},\n\nThanks for the {WORD} yesterday. Could you send the {WORD} before {DATE}?\n\nBest,\n{PER}",
        "Dear {PER},\n\nPlease find attached the {WORD} for {ORG}. Let me know if anything is missing.\n\nKind regards,\n{PER}\n{JOB}\n{ORG}",
        "Hello {FIRST}, I am writing on behalf of {ORG} regarding our {WORD} in {CITY}.",
        "{PER} wrote: can we move the {WORD} to {DATE}? I'll be in {CITY} that week.",
        "Thanks {FIRST}! Forwarding to {PER} who owns the {WORD} at {ORG}.",
        "Regards,\n{PER}\n{JOB} | {ORG}\n{ADDR}\nTel: {PHONE}",
        "From: {PER} <{EMAIL}>\nTo: {PER} <{EMAIL}>\nSubject: {WORD} {WORD}",
        "Dear Mr. {LAST}, your order #{NUM} will be shipped to {ADDR}.",
        "Hi all, welcome {PER} who joins {ORG} from {CITY} as our new {JOB}.",
        "Cheers,\n{FIRST}\n\nSent from my iPhone",
        "{FIRST}, the {WORD} from {ORG} arrived. {PER} signed it on {DATE}.",
        "Please contact {PER} at {EMAIL} or {PHONE} for questions about the {WORD}.",
    ],
    "chat": [
        "{FIRST}: are you joining the {WORD}?",
        "@{FIRST} can you review my PR?",
        "lunch with {FIRST} at {STREET}?",
        "{PER} joined the channel",
        "{PER} reacted with :thumbsup:",
        "just landed in {CITY}, see you tomorrow",
        "ok {FIRST}, I'll ping {FIRST} about it",
        "did {ORG} sign the {WORD}?",
        "{FIRST} {LAST} is out sick today",
        "moving to {CITY} next month!",
        "{FIRST}: lol yes",
        "meeting with {ORG} in {CITY} on {DATE}",
        "who owns the {WORD} for {ORG}? {FIRST}?",
        "thx {FIRST}",
        "call me when you're back from {COUNTRY}",
        "{PER} shared a file: {IDENT}",
        "pinging {FIRST} and {FIRST} here",
        "can someone from {ORG} help with {PRODUCT}?",
        "I'm at the {CITY} office until {DATE}",
    ],
    "form": [
        "Name: {PER}", "Full name {PER}", "First name: {FIRST}", "Last name: {LAST}", "Company: {ORG}",
        "Employer {ORG}", "Address: {ADDR}", "Street: {STREET}", "City: {CITY}", "Country: {COUNTRY}",
        "State/Region: {REGION}", "Billing address {ADDR}", "Ship to: {PER}, {ADDR}", "Contact person: {PER}",
        "Organisation: {ORG}", "Place of birth: {CITY}", "Emergency contact {PER} ({PHONE})",
        "Account holder: {PER}", "Beneficiary: {PER}, {ORG}", "Customer: {ORG} - {CITY}",
        "Name | {PER}\nEmail | {EMAIL}\nPhone | {PHONE}", "Delivery: {STREET}, {CITY}",
        "Amount: {MONEY}", "Order #{NUM}", "Phone: {PHONE}", "Email: {EMAIL}", "Date: {DATE}", "Status: {UI}",
        "{LABEL}: {PHONE}", "{LABEL}: {OPAQUE}", "{LABEL}: {NUM}", "{LABEL}: call {PHONE}", "{LABEL} {MONEY}",
        "{LABEL}: {DATE}", "{LABEL}: {EMAIL}", "{LABEL}: {UI}", "{LABEL}: {PER}", "{LABEL} contact: {PER}",
        "Password: {OPAQUE}", "{LABEL} (optional)", "{LABEL}: {CITY}",
    ],
    "title": [
        "{PER} - Chat", "Inbox - {EMAIL} - {PRODUCT}", "{ORG} Q3 {WORD}.xlsx - Excel", "Meeting with {PER} | Zoom",
        "{FIRST} {LAST} | LinkedIn", "{ORG} - {PRODUCT}", "Call with {FIRST}", "{PER} (DM) - Slack",
        "{CITY} to {CITY} - Google Maps", "{ORG} careers - {PRODUCT}", "{WORD} - {PRODUCT}", "{IDENT} - {PRODUCT}",
        "{UI} - {PRODUCT}", "{PRODUCT}", "{UI}", "{WORD}.docx", "Re: {WORD} for {ORG}", "Fwd: {PER}'s {WORD}",
        "Weather in {CITY}", "{STREET} - Google Maps", "Invoice {NUM} - {ORG}.pdf",
    ],
    "code": [
        "# TODO({FIRST}): fix the {WORD} handling", "// Author: {PER}", "/* Copyright {NUM} {ORG} */",
        "git commit -m \"Merge branch from {USER}\"", "Signed-off-by: {PER} <{EMAIL}>", "{IDENT}({IDENT})",
        "fn {IDENT}() -> Result<()>", "let {IDENT} = {IDENT};", "const city = \"{CITY}\";", "name = \"{PER}\"",
        "SELECT * FROM users WHERE last_name = '{LAST}';", "assert_eq!({IDENT}, \"{WORD}\");",
        "print(\"Hello, {FIRST}\")", "Co-authored-by: {PER} <{EMAIL}>", "{\"company\": \"{ORG}\", \"id\": {NUM}}",
        "$ cd ~/projects/{WORD} && cargo build", "error[E0308]: mismatched types in {IDENT}", "import {IDENT}",
        "{IDENT}.{IDENT} = None", "# maintained by {ORG}",
    ],
    "prose": [
        "{PER} is a {JOB} at {ORG} in {CITY}.", "The {WORD} was approved by {PER} on {DATE}.",
        "{ORG} opened a new office in {CITY}, {COUNTRY}.", "{PER} and {PER} will present the {WORD}.",
        "I grew up in {CITY} and studied at {ORG}.", "Our {WORD} with {ORG} ends in {UI}.",
        "She moved from {COUNTRY} to {REGION} in {NUM}.", "{PER} lives at {ADDR}.",
        "The {WORD} is due {UI}; ask {FIRST} if unsure.", "Use {PRODUCT} to open the {WORD}.",
        "{PRODUCT} crashed again during the {WORD}.", "Upload the {WORD} to {PRODUCT} before {UI}.",
        "We need {MONEY} for the {WORD}.", "{UI} {UI} {UI}", "The {WORD} {WORD} is {UI}.",
        "{PRODUCT} is not responding.", "Restart {PRODUCT} to apply the update.", "{PRODUCT} wants to access your {WORD}.",
        "{PRODUCT}, {PRODUCT} and {PRODUCT} are open.", "Your {LABEL} is {OPAQUE}.", "{LABEL} and {LABEL} were updated.",
    ],
    "bare": ["{PER}", "{FIRST}", "{LAST}", "{CITY}", "{COUNTRY}", "{ORG}", "{ADDR}", "{STREET}", "{CITYC}", "{OPAQUE}", "{LABEL}",
             "{PRODUCT}", "{UI}", "{IDENT}", "{WORD}", "{JOB}", "{DATE}", "{EMAIL}", "{PLAN}", "{CHROME}", "{LOGIN}",
             "{PLACEWORD}", "{INDUSTRY}", "{STATUS}"],
    # v2: login and account screens (user names are handles, not name spans)
    "login": [
        "Username\n{LOGIN}\nPassword\n\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\n{CHROME}",
        "Username: {LOGIN}", "User name {LOGIN}", "Login {LOGIN}", "Sign in as {LOGIN}", "Logged in as {LOGIN}",
        "Email or username\n{LOGIN}", "{LOGIN} \u00b7 Sign out", "Welcome back, {LOGIN}", "@{LOGIN}",
        "Switch account: {LOGIN}", "{CHROME}\n{CHROME}\n{CHROME}", "Account: {LOGIN} ({PLAN})",
        "Welcome back, {FIRST}!", "Signed in as {PER}", "{PER}\n{EMAIL}\n{CHROME}",
        "Your plan: {PLAN}\n{CHROME}", "{CHROME} | {CHROME} | {CHROME}", "Current plan {PLAN} - {MONEY}/month",
        "{LOGIN} pushed to {IDENT}", "git clone git@github.com:{LOGIN}/{IDENT}.git",
    ],
    # v2: record tables and CRM cells, entities beside cells that are not
    "table": [
        "Company\tIndustry\tPlan\tStatus\n{ORG}\t{INDUSTRY}\t{PLAN}\t{STATUS}",
        "{ORG} | {INDUSTRY} | {PLAN} | {STATUS} | {MONEY}", "{PER} | {EMAIL} | {ORG} | {CITY}",
        "{PER}\t{JOB}\t{ORG}\t{STATUS}", "Account name: {ORG}\nIndustry: {INDUSTRY}\nTier: {PLAN}\nOwner: {PER}",
        "{INDUSTRY}", "{STATUS}", "{PLAN}", "{INDUSTRY} | {PLAN} | {STATUS}", "{CHROME}\t{CHROME}\t{CHROME}\t{CHROME}",
        "{ORG}\n{CITY}, {COUNTRY}\n{INDUSTRY}", "{PLACEWORD} | {PLAN} | {MONEY}", "Region: {PLACEWORD}",
        "Territory {PLACEWORD} {NUM}", "{CITY} | {NUM} deals | {MONEY}", "Plan {PLAN} \u2022 {NUM} seats",
        "Contact: {PER} ({JOB}, {ORG})", "{ORG} \u2014 {STATUS} \u2014 renewal {DATE}",
    ],
    # v2: everyday words in sentences, alone and around entities
    "sentences": [
        "{SENT}", "{SENT} {SENT}", "{SENT} Ask {FIRST}.", "{PER} said: {SENT}", "{SENT} ({CITY})",
        "{SENT} {ORG} agreed.", "{FIRST}, {SENT}", "{SENT} We met in {CITY}, {COUNTRY}.", "{SENT} {SENT} {SENT}",
    ],
    # v2: prose and chrome around words that look like names or places but are not
    "product": [
        "Upgrade to {PLAN} to unlock more seats.", "{PLAN} includes {NUM} GB of storage.",
        "You are on the {PLAN} plan.", "Compare {PLAN} and {PLAN}", "{PLAN} renews on {DATE}.",
        "The {PLACEWORD} {WORD} starts at 10.", "{PLACEWORD} {WORD} notes", "Greater than {NUM}",
        "Filter: amount greater than {MONEY}", "town hall {WORD} on {DATE}", "{PLACEWORD} team {WORD}",
        "Sales in the {PLACEWORD} region grew {NUM}%.", "Meet {FIRST} downtown at {STREET}.",
        "{PER} moved the {WORD} to the {PLACEWORD} office in {CITY}.", "{PRODUCT} {PLAN} trial expires {UI}",
        "{PLAN} is now available in {COUNTRY}.", "{ORG} upgraded to {PLAN}.", "Open {PLAN} settings",
        "class {PLAN}Service:", "const plan = \"{PLAN}\";", "{IDENT} returns {PLAN}",
    ],
}

# Held-out templates: new wording for each source, never used in training.
TEST_TEMPLATES = {
    "email": [
        "Good morning {FIRST},\nattached is the revised {WORD}. {PER} from {ORG} has already signed.\nThanks,\n{FIRST}",
        "Many thanks, {PER}. We look forward to visiting {ORG} in {CITY} next week.",
        "Best wishes\n{PER}\n{ORG}\n{STREET}\n{CITY}",
        "Hi {FIRST} - quick reminder that the {WORD} closes on {DATE}.",
        "{PER} has invited you to collaborate on {WORD} ({PRODUCT}).",
        "Your parcel for {PER} is waiting at {ADDR}.",
    ],
    "chat": [
        "hey {FIRST} where are the {WORD} slides", "{PER} is typing...", "back in {CITY} now, free after 3?",
        "{FIRST} said {ORG} is late again", "new hire {PER} starts Monday", "{FIRST} {LAST} left the conversation",
        "flying to {COUNTRY} with {FIRST} tonight", "does anyone know a good dentist near {STREET}?",
    ],
    "form": [
        "Applicant: {PER}", "Name of organisation {ORG}", "Home address {ADDR}", "Town / city {CITY}",
        "Recipient {PER}", "Supplier name: {ORG}", "Nationality: {COUNTRY}", "Invoice to {ORG}, {STREET}, {CITY}",
        "Reference: {NUM}", "Total {MONEY}",
    ],
    "title": [
        "{PER} - Profile - {PRODUCT}", "Directions to {STREET}", "{ORG} | Contracts", "Chat with {FIRST} {LAST}",
        "{WORD} notes - {PRODUCT}", "{IDENT} — {PRODUCT}", "{UI} | {PRODUCT}",
    ],
    "code": [
        "// reviewed by {PER}", "# owner: {ORG}", "user.city = \"{CITY}\"", "fn {IDENT}(&self) {}",
        "Reported-by: {PER} <{EMAIL}>", "{IDENT} = {IDENT}.{IDENT}()",
    ],
    "prose": [
        "{PER}, who runs {ORG}, was born in {CITY}.", "The {WORD} for {ORG} slipped to {UI}.",
        "After the {WORD}, {FIRST} drove back to {CITY}.", "{PRODUCT} and {PRODUCT} were both down this {UI}.",
        "Send the {WORD} to {PER} at {ORG} by {UI}.",
    ],
    "bare": ["{PER}", "{ORG}", "{CITY}", "{ADDR}", "{PRODUCT}", "{UI}", "{IDENT}", "{WORD}"],
}

# What v2 added to the training templates; `--v1` leaves it out (the teacher's recipe).
V2_KINDS = {"login", "table", "product", "sentences"}
V2_BARE = {"{PLAN}", "{CHROME}", "{LOGIN}", "{PLACEWORD}", "{INDUSTRY}", "{STATUS}"}

# The negative held-out set: templates and word lists of the v2 hard-negative classes, never used in
# training, with a few entities among them (a screen has both).
TEST_NEG_TEMPLATES = {
    "login": ["Sign-in name\n{LOGIN}\nPassword\n{CHROME}", "Hello, {LOGIN}", "Not {LOGIN}? Switch user", "Member: {LOGIN}",
              "{LOGIN} signed in {UI}"],
    "table": ["Customer\tSector\tTier\n{ORG}\t{INDUSTRY}\t{PLAN}", "{PLAN} \u00b7 {STATUS} \u00b7 {MONEY}",
              "Owner {PER} | Stage {STATUS} | {PLAN}", "{CHROME}: {PLACEWORD}", "{PLACEWORD} \u2192 {PLAN}"],
    "product": ["Switch to {PLAN} today", "Your {PLAN} subscription is active.", "{PLACEWORD} view of the {WORD}",
                "The {WORD} team in the {PLACEWORD} area", "Only values greater than {NUM} are shown",
                "Try {PLAN} free for {NUM} days", "{CHROME}", "{PLAN}"],
}

SLOT_RE = re.compile(r"\{([A-Z]+)\}")


def fill(template, values):
    """Fills a template; returns (text, spans)."""
    out, spans, pos = [], [], 0
    length = 0
    for m in SLOT_RE.finditer(template):
        lit = template[pos:m.start()]
        out.append(lit)
        length += len(lit)
        name = m.group(1)
        method, entity = SLOTS[name]
        value = values.rng.choice(LISTS[name]) if method is None else getattr(values, method)()
        if entity:
            spans.append([length, length + len(value), entity])
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(template[pos:])
    text = "".join(out)
    # "{FIRST} {LAST}" is one name: touching same-entity values become one span
    merged = []
    for sp in spans:
        if merged and merged[-1][2] == sp[2] and text[merged[-1][1]:sp[0]] == " ":
            merged[-1][1] = sp[1]
        else:
            merged.append(sp)
    return text, merged


def examples(templates, n, seed, split, long_share=0.08):
    values = Values(seed, "test" if split.startswith("test") else "train")
    flat = [(src, t) for src, ts in templates.items() for t in ts]
    # sources weigh equally, whatever their template count
    weights = [1.0 / len(templates[src]) for src, _ in flat]
    rows = []
    while len(rows) < n:
        if values.rng.random() < long_share:
            # a longer text: several pieces joined, as in an editor, a terminal or a long mail
            parts = values.rng.choices(flat, weights, k=values.rng.randint(4, 9))
            text, spans = "", []
            for _, t in parts:
                piece, ps = fill(t, values)
                sep = values.rng.choice(["\n", " ", ". ", "\n\n"]) if text else ""
                off = len(text) + len(sep)
                text += sep + piece
                spans += [[s + off, e + off, k] for s, e, k in ps]
            rows.append({"text": text, "spans": spans, "split": split, "template": "long"})
            continue
        src, t = values.rng.choices(flat, weights)[0]
        text, spans = fill(t, values)
        rows.append({"text": text, "spans": spans, "split": split, "template": f"{src}:{flat.index((src, t))}"})
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=24000)
    ap.add_argument("--test", type=int, default=3000)
    ap.add_argument("--test-neg", type=int, default=1000)
    ap.add_argument("--v1", action="store_true", help="the first model's training templates (the teacher's recipe)")
    ap.add_argument("--out", default="data")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    bare = {"{PER}", "{ORG}", "{CITY}", "{ADDR}", "{PRODUCT}", "{UI}", "{IDENT}", "{WORD}", "{PLAN}", "{CHROME}"}
    train_t = {t for ts in TRAIN_TEMPLATES.values() for t in ts} - bare
    assert not train_t & {t for ts in list(TEST_TEMPLATES.values()) + list(TEST_NEG_TEMPLATES.values()) for t in ts}
    train = TRAIN_TEMPLATES
    if a.v1:
        train = {k: [t for t in ts if t not in V2_BARE] for k, ts in TRAIN_TEMPLATES.items() if k not in V2_KINDS}
    for name, templates, n, seed in [("train", train, a.train, 1), ("test", TEST_TEMPLATES, a.test, 2),
                                     ("test_neg", TEST_NEG_TEMPLATES, a.test_neg, 3)]:
        rows = examples(templates, n, seed, name)
        with open(os.path.join(a.out, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        ents = {}
        for r in rows:
            for _, _, k in r["spans"]:
                ents[k] = ents.get(k, 0) + 1
        print(f"{name}: {len(rows)} texts, spans {ents}")


if __name__ == "__main__":
    main()
