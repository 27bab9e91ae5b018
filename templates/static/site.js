// Progressive enhancement only: every page works without this script.
(() => {
  "use strict";

  function setUpCopyButtons() {
    for (const button of document.querySelectorAll("button[data-copy]")) {
      const source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) continue;
      button.hidden = false;
      button.addEventListener("click", async () => {
        const label = button.textContent;
        try {
          await navigator.clipboard.writeText(source.textContent);
          button.textContent = "Copied";
        } catch {
          button.textContent = "Copy failed";
        }
        setTimeout(() => { button.textContent = label; }, 1600);
      });
    }
  }

  // Sorting and filtering an author's papers; the state lives in the URL (?sort=newest&cat=LG&year=2024).
  const SORTS = {
    newest: (a, b) => (b.dataset.date || "").localeCompare(a.dataset.date || ""),
    score: (a, b) => number(b, "score") - number(a, "score"),
    citations: (a, b) => number(b, "citations") - number(a, "citations"),
  };

  function number(item, key) {
    const value = Number.parseFloat(item.dataset[key]);
    return Number.isNaN(value) ? -Infinity : value;
  }

  function setUpPaperControls() {
    const form = document.querySelector("[data-paper-controls]");
    const list = document.querySelector("[data-paper-list]");
    if (!form || !list) return;
    const items = Array.from(list.children);
    items.forEach((item, index) => { item.dataset.order = String(index); });
    const fields = ["sort", "cat", "year"];
    const output = form.querySelector("output");

    const params = new URLSearchParams(location.search);
    for (const name of fields) {
      const select = form.elements[name];
      const wanted = params.get(name);
      if (wanted && Array.from(select.options).some((option) => option.value === wanted)) select.value = wanted;
    }

    function apply(updateUrl) {
      const sort = form.elements.sort.value;
      const category = form.elements.cat.value;
      const year = form.elements.year.value;
      const byOrder = (a, b) => Number(a.dataset.order) - Number(b.dataset.order);
      const compare = SORTS[sort];
      const ordered = items.slice().sort((a, b) => (compare ? compare(a, b) : 0) || byOrder(a, b));
      let shown = 0;
      for (const item of ordered) {
        const visible = (!category || item.dataset.category === category) && (!year || item.dataset.year === year);
        if (item.hidden === visible) item.hidden = !visible;
        if (visible) shown += 1;
      }
      // Move the cards only when their order changed: on a long list, re-inserting every card on load costs a
      // full style and layout pass for nothing.
      if (ordered.some((item, index) => list.children[index] !== item)) list.append(...ordered);
      output.textContent = shown === items.length ? `${shown} papers` : `Showing ${shown} of ${items.length} papers`;
      if (updateUrl) {
        const next = new URLSearchParams(location.search);
        for (const name of fields) {
          const value = form.elements[name].value;
          if (value) next.set(name, value); else next.delete(name);
        }
        const query = next.toString();
        history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
      }
    }

    form.hidden = false;
    form.addEventListener("change", () => apply(true));
    form.addEventListener("submit", (event) => event.preventDefault());
    apply(false);
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpCopyButtons();
    setUpPaperControls();
  });
})();
