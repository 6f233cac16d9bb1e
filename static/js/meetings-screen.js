// The meeting dashboard's screen mode: one click shows the table alone at large type, full screen where the
// browser allows it; leaving full screen brings the manager's own view back.
document.querySelectorAll("[data-screen-mode]").forEach((link) => {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    document.body.classList.add("screen-mode");
    history.replaceState(null, "", link.getAttribute("href"));
    const root = document.documentElement;
    if (!root.requestFullscreen) return;
    root.requestFullscreen().then(() => {
      const back = () => {
        if (document.fullscreenElement) return;
        document.removeEventListener("fullscreenchange", back);
        document.body.classList.remove("screen-mode");
        history.replaceState(null, "", location.pathname);
      };
      document.addEventListener("fullscreenchange", back);
    }).catch(() => {});
  });
});
