// The product type-ahead: /products for what has been typed, as a listbox under the input.

import { ApiError, apiJson } from "./api.js";
import { queryString } from "./request.js";

/** Suggestions asked for at a time. */
const SUGGESTIONS = 20;
/** Typing pauses this long before the API is asked. */
const DEBOUNCE_MS = 150;

/**
 * @typedef {{ products: string[], more: boolean }} ProductsAnswer
 * @typedef {{ from: string, to: string, platform: string }} ProductsFilter
 */

/**
 * Wires the type-ahead: suggestions follow what is typed, arrow keys move, Enter or a click picks.
 * @param {HTMLInputElement} input
 * @param {HTMLElement} list the listbox
 * @param {{ filter: () => ProductsFilter, onError: (error: ApiError) => void }} options
 */
export function attachProductPicker(input, list, { filter, onError }) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {AbortController | undefined} */
  let pending;
  let active = -1;

  const options = () => [...list.querySelectorAll("[role=option]")];
  const close = () => {
    // A suggestion still on its way must not open the list again once it is closed.
    clearTimeout(timer);
    pending?.abort();
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  /** @param {string} product */
  const pick = (product) => {
    input.value = product;
    close();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };
  /** @param {number} index */
  const highlight = (index) => {
    const all = options();
    active = all.length === 0 ? -1 : (index + all.length) % all.length;
    all.forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === active));
    });
    const current = all[active];
    if (current) {
      input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    }
  };
  /** @param {ProductsAnswer} answer */
  const show = (answer) => {
    list.replaceChildren();
    answer.products.forEach((product, i) => {
      const option = document.createElement("div");
      option.id = `product-option-${i}`;
      option.setAttribute("role", "option");
      option.dataset.product = product;
      option.textContent = product;
      // mousedown, not click: the input's blur would close the list before a click lands.
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(product);
      });
      list.append(option);
    });
    const note =
      answer.products.length === 0
        ? "No product with views in this range starts so."
        : answer.more
          ? "More match: type more."
          : "";
    if (note) {
      const item = document.createElement("div");
      item.className = "note";
      item.textContent = note;
      list.append(item);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  };
  const suggest = async () => {
    pending?.abort();
    const asked = new AbortController();
    pending = asked;
    const { from, to, platform } = filter();
    const query = queryString({ prefix: input.value.trim(), from, to, platform, limit: String(SUGGESTIONS) });
    try {
      const answer = await apiJson(`/products?${query}`, asked.signal);
      if (!asked.signal.aborted && document.activeElement === input) show(answer);
    } catch (error) {
      if (error instanceof ApiError) {
        close();
        onError(error);
      } else if (!(error instanceof DOMException && error.name === "AbortError")) {
        throw error;
      }
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void suggest(), DEBOUNCE_MS);
  };

  input.addEventListener("input", schedule);
  input.addEventListener("focus", schedule);
  input.addEventListener("blur", close);
  // Show (or Enter) runs the request: the list has nothing more to offer and would cover the page.
  input.form?.addEventListener("submit", close);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) schedule();
      else highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      const product = options()[active]?.getAttribute("data-product");
      if (product) pick(product);
    } else if (event.key === "Escape") {
      close();
    }
  });
}
