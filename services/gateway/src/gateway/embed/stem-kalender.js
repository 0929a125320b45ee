/* <stem-kalender>: the STEM-kalender on a partner site. Plain JavaScript, no framework.
 *
 *   <script src="https://GATEWAY/embed/stem-kalender.js" defer></script>
 *   <stem-kalender key="stem_..." lang="nl" province="Limburg" age="10"></stem-kalender>
 *
 * Attributes: key (the partner key, required), lang (nl, fr, en; default: the page's, else
 * nl), province (nl name), municipality (NIS code), theme (UiTdatabank theme id), age,
 * page-size (1..50, default 10), endpoint (default: where this script came from).
 * It asks the gateway two persisted queries by hash (GET, so the gateway's response cache
 * and the browser's revalidation with ETag apply); it never sends query text.
 */
(() => {
"use strict";
const CALENDAR_HASH = "__CALENDAR_HASH__";
const MUNICIPALITIES_HASH = "__MUNICIPALITIES_HASH__";
// Where this script came from: the gateway to ask (read while the script runs).
const SCRIPT_ORIGIN = document.currentScript ? new URL(document.currentScript.src).origin : location.origin;

const PROVINCES = {
  "Antwerpen": { nl: "Antwerpen", fr: "Anvers", en: "Antwerp" },
  "Limburg": { nl: "Limburg", fr: "Limbourg", en: "Limburg" },
  "Oost-Vlaanderen": { nl: "Oost-Vlaanderen", fr: "Flandre-Orientale", en: "East Flanders" },
  "Vlaams-Brabant": { nl: "Vlaams-Brabant", fr: "Brabant flamand", en: "Flemish Brabant" },
  "West-Vlaanderen": { nl: "West-Vlaanderen", fr: "Flandre-Occidentale", en: "West Flanders" },
};
// UiTdatabank themes that matter to STEM (the gateway's reporting uses the same ids).
const THEMES = {
  "1.25.0.0.0": { nl: "Wetenschap", fr: "Sciences", en: "Science" },
  "1.21.0.0.0": { nl: "Computer en techniek", fr: "Informatique et technique", en: "Computers and technology" },
  "1.64.0.0.0": { nl: "Milieu en natuur", fr: "Environnement et nature", en: "Environment and nature" },
  "1.63.0.0.0": { nl: "Landbouw en platteland", fr: "Agriculture et campagne", en: "Farming and countryside" },
  "1.65.0.0.0": { nl: "Voeding", fr: "Alimentation", en: "Food" },
  "1.42.0.0.0": { nl: "Creativiteit", fr: "Créativité", en: "Creativity" },
};
const TEXT = {
  nl: {
    title: "STEM-kalender", filters: "Filter de activiteiten", province: "Provincie",
    municipality: "Gemeente", theme: "Thema", age: "Leeftijd", any: "Alle",
    show: "Toon activiteiten", more: "Meer activiteiten", loading: "Activiteiten laden…",
    found: (n, more) => (n === 0 ? "Geen activiteiten gevonden." : `${n} activiteit${n === 1 ? "" : "en"} getoond${more ? ", er zijn er meer" : ""}.`),
    error: "De activiteiten konden niet geladen worden. Probeer het later opnieuw.",
    ages: (a, b) => (a == null ? "" : b == null ? `vanaf ${a} jaar` : `${a} tot ${b} jaar`),
    by: "Door", where: "Waar", when: "Wanneer", forAge: "Leeftijd", cancelled: "Afgelast",
    postponed: "Tijdelijk niet beschikbaar", noKey: "Geen partnersleutel (attribuut key).",
  },
  fr: {
    title: "Calendrier STEM", filters: "Filtrer les activités", province: "Province",
    municipality: "Commune", theme: "Thème", age: "Âge", any: "Toutes",
    show: "Afficher les activités", more: "Plus d’activités", loading: "Chargement des activités…",
    found: (n, more) => (n === 0 ? "Aucune activité trouvée." : `${n} activité${n === 1 ? "" : "s"} affichée${n === 1 ? "" : "s"}${more ? ", il y en a d’autres" : ""}.`),
    error: "Les activités n’ont pas pu être chargées. Réessayez plus tard.",
    ages: (a, b) => (a == null ? "" : b == null ? `à partir de ${a} ans` : `de ${a} à ${b} ans`),
    by: "Par", where: "Où", when: "Quand", forAge: "Âge", cancelled: "Annulé",
    postponed: "Temporairement indisponible", noKey: "Pas de clé partenaire (attribut key).",
  },
  en: {
    title: "STEM calendar", filters: "Filter the activities", province: "Province",
    municipality: "Municipality", theme: "Theme", age: "Age", any: "All",
    show: "Show activities", more: "More activities", loading: "Loading activities…",
    found: (n, more) => (n === 0 ? "No activities found." : `${n} activit${n === 1 ? "y" : "ies"} shown${more ? ", there are more" : ""}.`),
    error: "The activities could not be loaded. Please try again later.",
    ages: (a, b) => (a == null ? "" : b == null ? `from ${a} years` : `${a} to ${b} years`),
    by: "By", where: "Where", when: "When", forAge: "Age", cancelled: "Cancelled",
    postponed: "Temporarily unavailable", noKey: "No partner key (attribute key).",
  },
};
// Colours: text #1b1b1b and links/buttons #0a4f8f on white (contrast 16.9:1 and 8.4:1),
// white on #0a4f8f for the buttons; a focus ring of 3px #0a4f8f with a white gap (WCAG AA).
const CSS = `
:host { display: block; font: 1rem/1.5 system-ui, sans-serif; color: #1b1b1b; background: #fff; }
* { box-sizing: border-box; }
h2 { font-size: 1.4rem; margin: 0 0 .5rem; }
h3 { font-size: 1.1rem; margin: 0 0 .25rem; }
form { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; margin-bottom: 1rem; border: 0; padding: 0; }
fieldset { display: contents; }
legend { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.field { display: flex; flex-direction: column; gap: .2rem; }
label { font-weight: 600; font-size: .9rem; }
select, input { font: inherit; padding: .35rem .5rem; border: 1px solid #595959; border-radius: 4px; background: #fff; color: #1b1b1b; min-height: 2.5rem; }
input { width: 6rem; }
button { font: inherit; font-weight: 600; padding: .5rem 1rem; border: 2px solid #0a4f8f; border-radius: 4px; background: #0a4f8f; color: #fff; min-height: 2.5rem; cursor: pointer; }
button[disabled] { background: #fff; color: #595959; border-color: #595959; cursor: default; }
a { color: #0a4f8f; }
:focus-visible { outline: 3px solid #0a4f8f; outline-offset: 2px; box-shadow: 0 0 0 2px #fff; }
ul { list-style: none; margin: 0; padding: 0; display: grid; gap: .75rem; }
li { border: 1px solid #767676; border-radius: 6px; padding: .75rem 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .25rem 0 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.status { font-weight: 700; color: #8a1c1c; }
.note { margin: .5rem 0; }
`;

function language(element) {
  const wanted = (element.getAttribute("lang") || document.documentElement.lang || "nl").slice(0, 2).toLowerCase();
  return wanted in TEXT ? wanted : "nl";
}

function startOfToday() {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).toISOString();
}

function make(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text != null) node.textContent = text;
  return node;
}

class StemKalender extends HTMLElement {
  static get observedAttributes() {
    return ["key", "lang", "province", "municipality", "theme", "age", "page-size", "endpoint"];
  }

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.cursor = null;
    this.shown = 0;
  }

  connectedCallback() {
    if (!this.built) this.build();
  }

  attributeChangedCallback() {
    if (this.built) this.build();
  }

  get endpoint() {
    return (this.getAttribute("endpoint") || SCRIPT_ORIGIN).replace(/\/$/, "");
  }

  get pageSize() {
    const size = parseInt(this.getAttribute("page-size") || "10", 10);
    return Math.min(50, Math.max(1, Number.isFinite(size) ? size : 10));
  }

  build() {
    this.built = true;
    const lang = (this.lang_ = language(this));
    const t = (this.t = TEXT[lang]);
    this.root.replaceChildren();
    if ("adoptedStyleSheets" in this.root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      this.root.adoptedStyleSheets = [sheet];
    } else {
      this.root.append(make("style", {}, CSS));
    }
    const section = make("section", { lang, "aria-labelledby": "stem-title" });
    section.append(make("h2", { id: "stem-title" }, t.title));

    const form = make("form", { role: "search", "aria-label": t.filters });
    const fieldset = make("fieldset");
    fieldset.append(make("legend", {}, t.filters));
    this.province = this.select("province", t.province, Object.keys(PROVINCES).map((p) => [p, PROVINCES[p][lang]]));
    this.municipality = this.select("municipality", t.municipality, []);
    this.theme = this.select("theme", t.theme, Object.keys(THEMES).map((id) => [id, THEMES[id][lang]]));
    const ageField = make("div", { class: "field" });
    this.age = make("input", { type: "number", min: "0", max: "99", inputmode: "numeric", name: "age", id: "stem-age" });
    this.age.value = this.getAttribute("age") || "";
    ageField.append(make("label", { for: "stem-age" }, t.age), this.age);
    const show = make("button", { type: "submit" }, t.show);
    fieldset.append(this.province.field, this.municipality.field, this.theme.field, ageField, show);
    form.append(fieldset);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.load(false);
    });
    this.province.select.addEventListener("change", () => this.loadMunicipalities(""));

    this.status = make("p", { class: "note", role: "status", "aria-live": "polite" });
    this.list = make("ul", { "aria-label": t.title });
    this.more = make("button", { type: "button", hidden: "" }, t.more);
    this.more.addEventListener("click", () => this.load(true));
    section.append(form, this.status, this.list, this.more);
    this.root.append(section);

    this.province.select.value = this.getAttribute("province") || "";
    this.theme.select.value = this.getAttribute("theme") || "";
    if (!this.getAttribute("key")) {
      this.status.textContent = t.noKey;
      return;
    }
    this.loadMunicipalities(this.getAttribute("municipality") || "").then(() => this.load(false));
  }

  select(name, text, options) {
    // A label tied by id (not wrapping), so the control's name is the label alone.
    const field = make("div", { class: "field" });
    const select = make("select", { name, id: `stem-${name}` });
    field.append(make("label", { for: `stem-${name}` }, text), select);
    this.fill(select, options);
    return { field, select };
  }

  fill(select, options) {
    select.replaceChildren(make("option", { value: "" }, this.t.any));
    for (const [value, text] of options) select.append(make("option", { value }, text));
  }

  async ask(hash, variables) {
    const params = new URLSearchParams({
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
      variables: JSON.stringify(variables),
    });
    // GET: the browser keeps the answer and revalidates it with If-None-Match (304).
    const response = await fetch(`${this.endpoint}/graphql?${params}`, {
      headers: { "X-API-Key": this.getAttribute("key"), Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const answer = await response.json();
    if (answer.errors && answer.errors.length) throw new Error(answer.errors[0].message);
    return answer.data;
  }

  async loadMunicipalities(wanted) {
    const province = this.province.select.value || null;
    try {
      const data = await this.ask(MUNICIPALITIES_HASH, { year: new Date().getFullYear(), province });
      const found = (data.municipalities || []).slice().sort((a, b) => a.name.localeCompare(b.name, this.lang_));
      this.fill(this.municipality.select, found.map((m) => [m.nisCode, m.name]));
      this.municipality.select.value = wanted && found.some((m) => m.nisCode === wanted) ? wanted : "";
    } catch (error) {
      this.fill(this.municipality.select, []);
    }
  }

  filter() {
    const filter = { from: startOfToday() };
    if (this.province.select.value) filter.province = this.province.select.value;
    if (this.municipality.select.value) filter.nisCodes = [this.municipality.select.value];
    if (this.theme.select.value) filter.themeIds = [this.theme.select.value];
    const age = parseInt(this.age.value, 10);
    if (Number.isFinite(age) && age >= 0) filter.age = age;
    return filter;
  }

  async load(more) {
    const t = this.t;
    if (!more) {
      this.list.replaceChildren();
      this.cursor = null;
      this.shown = 0;
    }
    this.list.setAttribute("aria-busy", "true");
    this.status.textContent = t.loading;
    this.more.hidden = true;
    try {
      const variables = { first: this.pageSize, after: more ? this.cursor : null, filter: this.filter() };
      const page = (await this.ask(CALENDAR_HASH, variables)).activities;
      const first = this.list.children.length;
      for (const activity of page.nodes) this.list.append(this.item(activity));
      this.shown += page.nodes.length;
      this.cursor = page.pageInfo.endCursor;
      this.more.hidden = !page.pageInfo.hasNextPage;
      this.status.textContent = t.found(this.shown, page.pageInfo.hasNextPage);
      if (more && this.list.children[first]) this.list.children[first].querySelector("h3").focus();
    } catch (error) {
      this.status.textContent = t.error;
      this.status.setAttribute("role", "alert");
    } finally {
      this.list.removeAttribute("aria-busy");
    }
  }

  item(activity) {
    const t = this.t;
    const li = make("li");
    const article = make("article", { "aria-labelledby": `a-${activity.id}` });
    const heading = make("h3", { id: `a-${activity.id}`, tabindex: "-1" }, activity.name);
    article.append(heading);
    if (activity.status && activity.status !== "AVAILABLE") {
      article.append(make("p", { class: "status" }, activity.status === "UNAVAILABLE" ? t.cancelled : t.postponed));
    }
    const details = make("dl");
    const when = new Intl.DateTimeFormat(`${this.lang_}-BE`, { dateStyle: "full", timeStyle: "short", timeZone: "Europe/Brussels" });
    const occurrence = activity.occurrences[0];
    if (occurrence) {
      const time = make("time", { datetime: occurrence.start }, when.format(new Date(occurrence.start)));
      const dd = make("dd");
      dd.append(time);
      details.append(make("dt", {}, t.when), dd);
    }
    const place = activity.location || {};
    const where = [place.name, [place.postalCode, place.locality || (activity.municipality || {}).name].filter(Boolean).join(" ")]
      .filter(Boolean).join(", ");
    if (where) details.append(make("dt", {}, t.where), make("dd", {}, where));
    const ages = t.ages(activity.ageMin, activity.ageMax);
    if (ages) details.append(make("dt", {}, t.forAge), make("dd", {}, ages));
    if (activity.academy) {
      const dd = make("dd");
      if (activity.academy.website && /^https?:\/\//.test(activity.academy.website)) {
        dd.append(make("a", { href: activity.academy.website, rel: "noopener" }, activity.academy.name));
      } else {
        dd.textContent = activity.academy.name;
      }
      details.append(make("dt", {}, t.by), dd);
    }
    article.append(details);
    li.append(article);
    return li;
  }
}

if (!customElements.get("stem-kalender")) customElements.define("stem-kalender", StemKalender);
})();
