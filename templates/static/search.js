// Static search: the generator writes an index under search/ (see generator/search.py); this reads it.
(() => {
  "use strict";
  const STOP = new Set(("a an and are as at be by can for from has have in into is it its of on or our that the " +
    "their these this those to was we were which with within without via than then there here such using based").split(" "));
  const WEIGHTS = { 1: 8, 2: 5, 4: 1 };  // title or name, authors, abstract
  const cache = new Map();

  function tokenize(text) {
    const plain = text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
    return (plain.match(/[\p{L}\p{N}]+/gu) || []).filter((word) => [...word].length > 1 && !STOP.has(word));
  }

  function hex(text) {
    return Array.from(new TextEncoder().encode(text), (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function shardOf(word) {  // named after the word's first two characters (code points, as the generator counts)
    return hex([...word].slice(0, 2).join(""));
  }

  function load(base, path) {
    if (!cache.has(path)) {
      cache.set(path, fetch(base + "search/" + path).then((response) => {
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return response.json();
      }));
    }
    return cache.get(path);
  }

  function score(fields) {
    let total = 0;
    for (const bit of [1, 2, 4]) if (fields & bit) total += WEIGHTS[bit];
    return total;
  }

  async function search(base, query, limit) {
    const words = tokenize(query);
    if (!words.length) return [];
    const manifest = await load(base, "index.json");
    const shards = new Set(manifest.shards);
    let found = null;
    for (const [index, word] of words.entries()) {
      const prefix = shardOf(word);
      const terms = shards.has(prefix) ? await load(base, `terms/${prefix}.json`) : {};
      const last = index === words.length - 1;
      const scores = new Map();
      for (const [term, postings] of Object.entries(terms)) {
        if (term !== word && !(last && term.startsWith(word))) continue;
        const weight = term === word ? 1 : 0.6;
        let number = 0;
        for (let i = 0; i < postings.length; i += 2) {
          number += postings[i];
          const value = score(postings[i + 1]) * weight;
          if (value > (scores.get(number) || 0)) scores.set(number, value);
        }
      }
      if (found === null) {
        found = scores;
      } else {
        for (const [number, value] of found) {
          if (scores.has(number)) found.set(number, value + scores.get(number)); else found.delete(number);
        }
      }
      if (!found.size) return [];
    }
    const best = Array.from(found).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, limit);
    const chunks = await Promise.all(best.map(([number]) => load(base, `docs-${Math.floor(number / manifest.chunk)}.json`)));
    return best.map(([number], index) => {
      const [kind, path, title, detail] = chunks[index][number % manifest.chunk];
      return { kind, url: base + path, title, detail };
    });
  }

  function show(box, results, query) {
    box.textContent = "";
    if (!query.trim()) { box.hidden = true; return; }
    const status = document.createElement("p");
    status.className = "search-status";
    status.textContent = results.length ? `${results.length} result${results.length === 1 ? "" : "s"}` : "No matches";
    const list = document.createElement("ul");
    for (const result of results) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.title;
      const detail = document.createElement("span");
      detail.className = "search-detail";
      detail.textContent = `${result.kind === "a" ? "Author" : "Paper"} · ${result.detail}`;
      item.append(link, detail);
      list.append(item);
    }
    box.append(status, list);
    box.hidden = false;
  }

  function attach(form) {
    const input = form.querySelector("input[type=search]");
    const box = form.querySelector("[data-search-results]");
    const base = form.dataset.base;
    const page = form.hasAttribute("data-search-page");
    const limit = page ? 50 : 8;
    let latest = 0;
    async function run() {
      const ticket = ++latest;
      const query = input.value;
      try {
        const results = await search(base, query, limit);
        if (ticket === latest) show(box, results, query);
      } catch (error) {
        if (ticket === latest) { box.textContent = `Search is unavailable (${error.message})`; box.hidden = false; }
      }
    }
    let timer = 0;
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 60); });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { box.hidden = true; input.blur(); }
    });
    form.addEventListener("submit", (event) => {
      if (page) { event.preventDefault(); run(); return; }
      const first = box.querySelector("a");
      if (first && !box.hidden) { event.preventDefault(); location.href = first.href; }
    });
    document.addEventListener("click", (event) => { if (!page && !form.contains(event.target)) box.hidden = true; });
    if (page) {
      input.value = new URLSearchParams(location.search).get("q") || "";
      if (input.value) run();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-search]")) attach(form);
  });
})();
