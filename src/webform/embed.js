// Leadflow web forms on another website. For each `form[data-leadflow-form]` it fills in the
// signed token of a fresh render (the server's spam checks need it), the page the form is
// on, the referrer and the landing page's UTM parameters; for each
// `iframe[data-leadflow-form]` it passes the same to the hosted page.
(() => {
  const script = document.currentScript;
  const base = new URL(script ? script.src : "/", location.href).origin;
  const params = new URLSearchParams(location.search);
  const utm = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  const attribution = [["_page", location.href], ["_referrer", document.referrer]];
  for (const name of utm) if (params.get(name)) attribution.push([name, params.get(name)]);

  for (const form of document.querySelectorAll("form[data-leadflow-form]")) {
    const set = (name, value) => {
      let input = form.querySelector(`input[type=hidden][name="${name}"]`);
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        form.append(input);
      }
      input.value = value;
    };
    for (const [name, value] of attribution) set(name, value);
    fetch(`${base}/f/${encodeURIComponent(form.dataset.leadflowForm)}/token`)
      .then((response) => (response.ok ? response.text() : ""))
      .then((token) => {
        set("_token", token);
        form.dataset.leadflowReady = "true";
      })
      .catch(() => {});
  }

  for (const frame of document.querySelectorAll("iframe[data-leadflow-form]")) {
    const url = new URL(frame.src, location.href);
    url.searchParams.set("page", location.href);
    if (document.referrer) url.searchParams.set("referrer", document.referrer);
    for (const name of utm) if (params.get(name)) url.searchParams.set(name, params.get(name));
    frame.src = url.href;
  }
})();
