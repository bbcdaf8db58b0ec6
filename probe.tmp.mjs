import createModule from '@echogarden/espeak-ng-emscripten';
const m = await createModule();
console.log(m.FS.readFile('/usr/share/espeak-ng-data/voices/!v/m2',{encoding:'utf8'}));
console.log(m.FS.readdir('/usr/share/espeak-ng-data/lang/roa').join(' '), m.FS.readdir('/usr/share/espeak-ng-data/lang').join(' '));
const w = new m.eSpeakNGWorker();
const ph = (v, t) => { w.set_voice(v); const r = w.convert_to_phonemes(t, true); let s=''; const h=m.HEAPU8; for (let i=r.ptr; h[i]; i++) s+=String.fromCharCode(h[i]); return v+': '+Buffer.from(s,'latin1').toString('utf8'); };
for (const v of ['en-us','en','en-gb-scotland','en-GB-scotland','en-gb-x-rp','en-029','en-us-nyc','en-gb-x-gbclan','fr','pt-br','cmn']) console.log(ph(v+'+f3', 'water bath tomato'));
