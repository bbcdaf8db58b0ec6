/*
 * voxwire's shim over flite 2.2, compiled with flite into one WebAssembly module (scripts/build-flite.sh).
 *
 * JavaScript sees three calls: vw_init() registers the CMU voices once, vw_voice_name() names them, and
 * vw_synth() speaks one utterance. While it runs, flite's timings and audio reach JavaScript through the
 * Module.vwTimings / vwPhone / vwAudio hooks, in that order: every phone's end time is known before the
 * first audio buffer, and each buffer (about 100 ms) is handed over as soon as flite has made it.
 *
 * Settings go on the utterance, never on the shared voice, so one job cannot leak into the next.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <emscripten.h>
#include "flite.h"
#include "cst_cg.h"

cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);

#define VOICE_COUNT 4
/* 100 ms at 16 kHz: flite hands over a buffer once it holds more than this many samples. */
#define MIN_BUFFER_SAMPLES 1600

static cst_voice *voices[VOICE_COUNT];
static const char *const voice_names[VOICE_COUNT] = { "slt", "rms", "awb", "kal16" };

/* Per-job state: the wave synthesis reads it through the streaming callback. */
static int timings_sent;
static float job_gain;

/* Returns non-zero to stop the synthesis (the job was cancelled). */
EM_JS(int, vw_audio, (const short *samples, int count, int sample_rate), {
  return Module.vwAudio(samples, count, sample_rate);
});

EM_JS(void, vw_timings, (int phones), {
  Module.vwTimings(phones);
});

/* One phone: its name ("pau" for silence), end time in seconds, the 1-based index and name of its token
   (0 and "" for a pause), its syllable's stress and whether the phone opens its syllable. */
EM_JS(void, vw_phone, (const char *name, float end, int token, const char *token_name, int stress,
                       int syllable_start), {
  Module.vwPhone(UTF8ToString(name), end, token, UTF8ToString(token_name), stress, syllable_start);
});

/* Numbers the words and tokens (features live in the item contents, so every relation sees them). */
static void number_items(cst_utterance *u, const char *relation)
{
    cst_item *item;
    int index = 1;
    for (item = relation_head(utt_relation(u, relation)); item; item = item_next(item))
        item_set_int(item, "vw_index", index++);
}

static void send_timings(const cst_utterance *cu)
{
    cst_utterance *u = (cst_utterance *)cu;
    cst_item *seg;
    int count = 0;
    timings_sent = 1;
    if (!utt_relation_present(u, "Segment")) { vw_timings(0); return; }
    number_items(u, "Word");
    number_items(u, "Token");
    for (seg = relation_head(utt_relation(u, "Segment")); seg; seg = item_next(seg)) count++;
    vw_timings(count);
    for (seg = relation_head(utt_relation(u, "Segment")); seg; seg = item_next(seg))
    {
        int word = ffeature_int(seg, "R:SylStructure.parent.parent.vw_index");
        int token = word ? ffeature_int(seg, "R:SylStructure.parent.parent.R:Token.parent.vw_index") : 0;
        const char *token_name =
            word ? ffeature_string(seg, "R:SylStructure.parent.parent.R:Token.parent.name") : "";
        int stress = word ? ffeature_int(seg, "R:SylStructure.parent.stress") : 0;
        /* The first phone of a syllable has no previous sibling under it. */
        int syllable_start = word ? (item_prev(item_as(seg, "SylStructure")) == NULL) : 0;
        vw_phone(item_feat_string(seg, "name"), item_feat_float(seg, "end"), token, token_name, stress,
                 syllable_start);
    }
}

static int on_audio(const cst_wave *w, int start, int size, int last, cst_audio_streaming_info *asi)
{
    short *samples = ((cst_wave *)w)->samples + start;
    int index;
    (void)last;
    if (!timings_sent) send_timings(asi->utt);
    if (job_gain != 1.0f)
        for (index = 0; index < size; index++)
        {
            float scaled = samples[index] * job_gain;
            samples[index] = scaled > 32767.0f ? 32767 : scaled < -32768.0f ? -32768 : (short)scaled;
        }
    return vw_audio(samples, size, w->sample_rate) ? CST_AUDIO_STREAM_STOP : CST_AUDIO_STREAM_CONT;
}

EMSCRIPTEN_KEEPALIVE int vw_init(void)
{
    flite_init();
    voices[0] = register_cmu_us_slt(NULL);
    voices[1] = register_cmu_us_rms(NULL);
    voices[2] = register_cmu_us_awb(NULL);
    voices[3] = register_cmu_us_kal16(NULL);
    return VOICE_COUNT;
}

EMSCRIPTEN_KEEPALIVE const char *vw_voice_name(int voice) { return voice_names[voice]; }

/*
 * The voice's own F0 mean and standard deviation (Hz), the base that a pitch factor scales. A clustergen
 * voice keeps them in its model (features only override them), a diphone voice in its features, with the
 * defaults of flite's US English F0 model.
 */
static void voice_f0(int voice, float *mean, float *stddev)
{
    const cst_val *db = feat_val(voices[voice]->features, "cg_db");
    *mean = db ? val_cg_db(db)->f0_mean : get_param_float(voices[voice]->features, "int_f0_target_mean", 100.0f);
    *stddev = db ? val_cg_db(db)->f0_stddev : get_param_float(voices[voice]->features, "int_f0_target_stddev", 12.0f);
}

/*
 * Speaks `text` with voice `voice`. Returns 0 when done or stopped by the audio hook, -1 for a bad voice,
 * -2 when flite reported an error (its handler would otherwise exit).
 */
EMSCRIPTEN_KEEPALIVE int vw_synth(int voice, const char *text, float duration_stretch, float f0_factor,
                                  float gain)
{
    jmp_buf on_error;
    float f0_mean, f0_stddev;
    cst_utterance *u;
    cst_audio_streaming_info *asi;
    if (voice < 0 || voice >= VOICE_COUNT || !voices[voice]) return -1;
    voice_f0(voice, &f0_mean, &f0_stddev);
    u = new_utterance();
    asi = new_audio_streaming_info();
    asi->min_buffsize = MIN_BUFFER_SAMPLES;
    asi->asc = on_audio;
    timings_sent = 0;
    job_gain = gain;
    /* The CG voices draw excitation noise from rand(): a fixed seed makes every job repeatable. */
    srand(1);
    cst_errjmp = &on_error;
    if (setjmp(on_error))
    {
        cst_errjmp = NULL;
        return -2;
    }
    utt_set_input_text(u, text);
    utt_init(u, voices[voice]);
    feat_set_float(u->features, "duration_stretch", duration_stretch);
    /* Mean and spread scale together, so a pitch shift keeps the voice's intonation in semitones. */
    feat_set_float(u->features, "int_f0_target_mean", f0_mean * f0_factor);
    feat_set_float(u->features, "int_f0_target_stddev", f0_stddev * f0_factor);
    feat_set(u->features, "streaming_info", audio_streaming_info_val(asi));
    utt_synth(u);
    if (!timings_sent) send_timings(u);
    cst_errjmp = NULL;
    /* The utterance owns the streaming info through its feature value. */
    delete_utterance(u);
    return 0;
}
