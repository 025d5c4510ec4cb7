/**
 * The public site's one stylesheet, served from `/community/-/site.css` (a path no workspace can
 * take: slugs are at least two characters). Mobile first: one column that reads on a 360 px
 * phone, a max width on large screens, and no web fonts or images to fetch.
 */
export const SITE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f6f7f9}
a{color:#1f5fbf}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
.wrap{max-width:52rem;margin:0 auto;padding:0 1rem}
header.site{background:#fff;border-bottom:1px solid #dfe3ea}
header.site .wrap{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding-top:.75rem;padding-bottom:.75rem}
.brand{font-weight:700;text-decoration:none;color:#1d2330;margin-right:auto}
form.search{display:flex;gap:.4rem;flex:1 1 16rem;max-width:24rem}
form.search input{flex:1;min-width:0;padding:.45rem .6rem;border:1px solid #b9c1ce;border-radius:6px;font:inherit}
button{padding:.45rem .8rem;border:1px solid #1f5fbf;border-radius:6px;background:#1f5fbf;color:#fff;font:inherit;cursor:pointer}
.who{width:100%;margin:0;font-size:.9rem;color:#4b5565}
main{padding:1rem 0 2rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.2rem}
nav.crumbs{font-size:.9rem;color:#4b5565}
nav.crumbs ol{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.25rem}
nav.crumbs li+li::before{content:"›";margin-right:.25rem}
ul.cards{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
.card{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:.8rem 1rem}
.card h2,.card h3{margin:0 0 .25rem;font-size:1.1rem;overflow-wrap:anywhere}
.meta{font-size:.875rem;color:#4b5565;margin:.2rem 0 0}
.meta>*+*::before{content:" · "}
.badge{display:inline-block;font-size:.75rem;font-weight:600;line-height:1.4;padding:.05rem .45rem;border-radius:999px;background:#e8ecf3;color:#2b3442;vertical-align:middle}
.badge.answered,.badge.done{background:#dcf3e3;color:#17602f}
.badge.unread{background:#1f5fbf;color:#fff}
.badge.closed,.badge.archived,.badge.declined,.badge.duplicate{background:#f3e1e1;color:#7a2020}
.badge.planned,.badge.in_progress,.badge.under_review{background:#fff1cc;color:#5e4500}
.votes{font-weight:700}
article.post{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:.8rem 1rem;margin:0 0 .75rem}
article.post.accepted{border:2px solid #2f9e55;background:#f3fbf5}
article.post header{font-size:.875rem;color:#4b5565;display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:baseline}
article.post header .author{font-weight:600;color:#1d2330}
.body{overflow-wrap:anywhere}
.body>:first-child{margin-top:.5rem}
.body>:last-child{margin-bottom:0}
.body img{max-width:100%;height:auto}
.body pre{overflow-x:auto;background:#f0f2f5;padding:.6rem;border-radius:6px}
.body code{font-size:.9em}
.body blockquote{margin:.5rem 0;padding:.1rem .8rem;border-left:4px solid #c8d0dc;color:#3a4352}
.pager{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.notice{background:#fff;border:1px solid #dfe3ea;border-left:4px solid #1f5fbf;border-radius:6px;padding:.6rem .9rem}
footer.site{border-top:1px solid #dfe3ea;font-size:.875rem;color:#4b5565;padding:1rem 0 2rem}
.member-form{max-width:32rem;margin:0 auto}
main.member-form{padding:1rem}
.member-form form{display:grid;gap:.75rem}
.member-form label{display:grid;gap:.25rem}
.member-form input{padding:.5rem .6rem;border:1px solid #b9c1ce;border-radius:6px;font:inherit}
.error{color:#7a2020;background:#f3e1e1;border-radius:6px;padding:.5rem .75rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
dl.facts dt{color:#4b5565}
dl.facts dd{margin:0}
form.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:.5rem .9rem;align-items:center;margin:.6rem 0 0;font-size:.9rem}
.actions button,.buttons button,a.button{padding:.3rem .7rem;font-size:.9rem}
a.button{display:inline-block;border-radius:6px;background:#1f5fbf;color:#fff;text-decoration:none}
button.secondary{background:#fff;color:#1f5fbf}
button.link{padding:0;border:0;background:none;color:#1f5fbf;text-decoration:underline;font-size:inherit}
button.danger{background:#a12828;border-color:#a12828}
form.compose{display:grid;gap:.4rem;margin:1rem 0}
form.compose input:not([type=radio]),form.compose textarea{width:100%;padding:.5rem .6rem;border:1px solid #b9c1ce;border-radius:6px;font:inherit}
form.compose fieldset{border:1px solid #dfe3ea;border-radius:6px;display:grid;gap:.3rem}
.buttons{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:.5rem 0}
.hint{font-size:.85rem;color:#4b5565;margin:0}
.preview article.post{border-style:dashed}
section.compose{margin-top:1.5rem}
pre.source{white-space:pre-wrap;overflow-wrap:anywhere;background:#f0f2f5;padding:.6rem;border-radius:6px;margin:.4rem 0 0}
`.trim();
