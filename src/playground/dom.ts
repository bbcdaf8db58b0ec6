/** The few DOM helpers the page's modules share. */

export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** Shows `message` in an alert element, or hides it when empty. */
export function showError(target: HTMLElement, message: string): void {
  target.textContent = message;
  target.hidden = message === '';
}
