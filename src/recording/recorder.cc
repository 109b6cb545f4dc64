// The capture engine: SIP and RTP in, masked stereo PCM to encoder threads, recordings and
// call records out. See recorder.h for the contract.
#include "recording/recorder.h"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "voip/call_tracker.h"
#include "voip/channel.h"
#include "voip/fragments.h"
#include "voip/rtp.h"

namespace fg::recording {

namespace {

// Drain every 100 ms of capture time: what a tick costs per call (touching its cold state,
// a job, a hand-off) is paid a fifth as often as at 20 ms; audio waits jitter + 100 ms.
constexpr int64_t kTickUs = 100'000;

int64_t SamplesToMs(int64_t samples, int rate) { return samples * 1000 / rate; }

// 0 or less: one encoder per core this process may run on (taskset and cpusets count).
int ResolveEncoderThreads(int requested) {
  if (requested > 0) return std::min(requested, 64);
  int cores = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) cores = CPU_COUNT(&set);
  if (cores <= 0) cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(cores, 1, 64);
}

double ThreadCpuSeconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Buffers an encoder thread hands back for reuse (bounds what is kept per thread).
constexpr size_t kMaxSpareBuffers = 8192;

// The encoder side of one call: owned jointly by the capture thread (until the call ends)
// and the encoder thread that writes it.
struct CallSink {
  std::shared_future<Result<int64_t>> row;  // our call id, once its row is written
  std::string recording_id;
  int sample_rate = 8000;
  std::unique_ptr<OggOpusEncoder> encoder;
  std::unique_ptr<RecordingWriter> writer;
  bool failed = false;
  std::string failure;
};

struct Job {
  std::shared_ptr<CallSink> sink;
  std::vector<int16_t> pcm;    // interleaved stereo
  std::optional<CallEnd> end;  // set on the last job of a call
};

}  // namespace

struct Recorder::Impl : voip::CallTrackerListener {
  Impl(Recordings& recordings, const KeyRing& keys, RecorderOptions options, PartyResolver resolver,
       RecorderAlert alert)
      : recordings(recordings),
        keys(keys),
        options(std::move(options)),
        resolver(std::move(resolver)),
        alert(std::move(alert)),
        internal_number(this->options.internal_number_pattern, std::regex::ECMAScript),
        tracker(*this, {.sip_ports = this->options.sip_ports}) {
    for (const std::string& address : this->options.trunk_addresses) {
      if (auto e = voip::Endpoint::Parse(address, 0)) trunks.push_back(*e);
    }
    const int threads = ResolveEncoderThreads(this->options.encoder_threads);
    stats.encoder_threads = threads;
    batches.resize(static_cast<size_t>(threads));
    for (int i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>());
    for (auto& worker : workers) {
      worker->thread = std::thread([this, w = worker.get()] { RunWorker(*w); });
    }
    if (this->resolver) resolver_thread = std::thread([this] { RunResolver(); });
  }

  ~Impl() override {
    StopWorkers();
    {
      std::lock_guard lock(resolve_mu);
      resolve_stop = true;  // what is queued is still looked up and opened
    }
    resolve_wake.notify_all();
    if (resolver_thread.joinable()) resolver_thread.join();
  }

  // ---- capture-thread state ----
  struct Media {
    std::vector<voip::Codec> codecs;
    bool known = false;
  };
  struct ActiveCall {
    voip::CallInfo info;
    Direction direction = Direction::kUnknown;
    voip::Side agent_side = voip::Side::kCallee;
    Media media[2];         // by receiver
    voip::Endpoint rtp[2];  // where each receiver gets RTP, as routed (port 0: nowhere)
    int rate = 8000;
    int64_t origin_us = 0;  // sample 0: the first RTP packet
    std::unique_ptr<voip::ChannelAssembler> channel[2];
    std::unique_ptr<voip::DtmfMasker> masker[2];
    int64_t last_rtp_us = 0;
    bool paused = false;
    int64_t pause_start_sample = 0;
    int64_t pause_started_us = 0;
    std::vector<MaskedSpan> spans;  // in ms, merged at the end
    std::shared_ptr<CallSink> sink;
    int worker = 0;
    int64_t samples_out = 0;
  };

  // ---- encoder threads ----
  struct Worker {
    std::mutex mu;
    std::condition_variable wake;
    std::condition_variable space;
    std::vector<Job> queue;  // taken whole by the thread: one lock per batch, not per job
    std::vector<std::vector<int16_t>> spare;  // PCM buffers handed back to the capture
    bool stop = false;
    std::thread thread;
  };

  Recordings& recordings;
  const KeyRing& keys;
  RecorderOptions options;
  PartyResolver resolver;
  struct Lookup {  // a call start waiting for its parties
    CallStart start;
    std::shared_ptr<std::promise<Result<int64_t>>> promise;
  };
  std::mutex resolve_mu;
  std::condition_variable resolve_wake;
  std::deque<Lookup> resolve_queue;
  bool resolve_stop = false;
  std::thread resolver_thread;
  RecorderAlert alert;
  std::regex internal_number;
  std::vector<voip::Endpoint> trunks;

  mutable std::mutex mu;  // everything below, and the tracker
  voip::CallTracker tracker;
  voip::FragmentReassembler fragments;  // a long INVITE over UDP arrives in pieces
  std::unordered_map<std::string, ActiveCall> calls;
  RecorderStats stats;
  int64_t last_time_us = 0;
  int64_t next_tick_us = 0;
  int next_worker = 0;

  // RTP destination -> call and receiver, kept in step with the tracker's media map
  // (OnMedia maps, a change or the end unmaps) so an RTP packet costs one hash lookup on a
  // 18-byte key instead of a Call-ID copy and a string-keyed lookup.
  struct Route {
    ActiveCall* call;
    voip::Side receiver;
  };
  std::unordered_map<voip::Endpoint, Route, voip::EndpointHash> routes;
  // Capture-thread scratch, reused for every call and tick.
  std::vector<int16_t> drain_pcm[2];
  std::vector<int16_t> drain_out[2];
  std::vector<std::vector<int16_t>> pool;  // PCM buffers for jobs, from the encoder threads
  std::vector<std::vector<Job>> batches;   // per worker, handed over once per tick
  size_t batched = 0;
  // CPU of the capture thread, measured on it (stats.capture_cpu_seconds).
  std::thread::id capture_thread;
  double capture_cpu_start = -1;

  std::vector<std::unique_ptr<Worker>> workers;
  std::mutex pending_mu;
  std::condition_variable pending_done;
  int64_t pending_closes = 0;

  // ---- direction and parties ----
  bool IsTrunk(const voip::Endpoint& e) const {
    for (const auto& t : trunks) {
      if (t.address == e.address) return true;
    }
    return false;
  }
  bool IsInternal(const std::string& number) const {
    return !number.empty() && std::regex_match(number, internal_number);
  }
  void Classify(ActiveCall& call) const {
    const auto& info = call.info;
    const std::string& to = info.request_user.empty() ? info.to_user : info.request_user;
    if (IsTrunk(info.caller_signalling)) {
      call.direction = Direction::kInbound;
    } else if (IsTrunk(info.callee_signalling)) {
      call.direction = Direction::kOutbound;
    } else if (IsInternal(info.from_user) && IsInternal(to)) {
      call.direction = Direction::kInternal;
    } else if (IsInternal(info.from_user)) {
      call.direction = Direction::kOutbound;
    } else if (IsInternal(to)) {
      call.direction = Direction::kInbound;
    }
    call.agent_side =
        call.direction == Direction::kOutbound || call.direction == Direction::kInternal
            ? voip::Side::kCaller
            : voip::Side::kCallee;
  }

  // ---- CallTrackerListener ----
  void OnCallStarted(const voip::CallInfo& info) override {
    ActiveCall& call = calls[info.call_id];
    call.info = info;
    Classify(call);
    call.sink = std::make_shared<CallSink>();
    call.worker = next_worker++ % static_cast<int>(workers.size());
    ++stats.calls;
    stats.active_calls = calls.size();
    stats.max_concurrent_calls = std::max<uint64_t>(stats.max_concurrent_calls, calls.size());

    CallStart start;
    start.call_id = info.call_id;
    start.direction = call.direction;
    start.from_number = info.from_user;
    start.to_number = info.request_user.empty() ? info.to_user : info.request_user;
    start.agent_extension =
        call.agent_side == voip::Side::kCaller ? start.from_number : start.to_number;
    start.started_at = core::FromUnixMicros(info.invite_us);
    auto promise = std::make_shared<std::promise<Result<int64_t>>>();
    call.sink->row = promise->get_future().share();
    if (resolver && !start.agent_extension.empty()) {
      // The directory may be a remote database: the lookup never runs on the capture thread.
      {
        std::lock_guard lock(resolve_mu);
        resolve_queue.push_back({std::move(start), std::move(promise)});
      }
      resolve_wake.notify_one();
      return;
    }
    OpenCall(start, std::move(promise));
  }

  void OpenCall(const CallStart& start, std::shared_ptr<std::promise<Result<int64_t>>> promise) {
    recordings.OpenCallAsync(start, [promise](Result<int64_t> id) { promise->set_value(id); });
  }

  // ---- party lookups (one thread, in call order) ----
  void RunResolver() {
    std::unique_lock lock(resolve_mu);
    while (true) {
      resolve_wake.wait(lock, [&] { return !resolve_queue.empty() || resolve_stop; });
      if (resolve_queue.empty()) return;
      Lookup lookup = std::move(resolve_queue.front());
      resolve_queue.pop_front();
      lock.unlock();
      const Parties parties = resolver(lookup.start.agent_extension, lookup.start.started_at);
      lookup.start.station_id = parties.station_id;
      lookup.start.agent_person_id = parties.agent_person_id;
      lookup.start.campaign_id = parties.campaign_id;
      OpenCall(lookup.start, std::move(lookup.promise));
      lock.lock();
    }
  }

  void OnMedia(const voip::CallInfo& info, const voip::MediaUpdate& update) override {
    auto it = calls.find(info.call_id);
    if (it == calls.end()) return;
    ActiveCall& call = it->second;
    const int side = static_cast<int>(update.receiver);
    Unroute(call, side);
    call.rtp[side] = update.rtp;
    if (update.rtp.port != 0) routes[update.rtp] = Route{&call, update.receiver};
    call.media[side].codecs = update.codecs;
    call.media[side].known = true;
    if (call.channel[side]) call.channel[side]->SetCodecs(update.codecs);
  }

  void OnCallAnswered(const voip::CallInfo& info) override {
    auto it = calls.find(info.call_id);
    if (it != calls.end()) it->second.info = info;
  }

  void OnCallEnded(const voip::CallInfo& info) override {
    auto it = calls.find(info.call_id);
    if (it == calls.end()) return;
    it->second.info = info;
    EndCall(it->second);
    Unroute(it->second, 0);
    Unroute(it->second, 1);
    calls.erase(it);
    stats.active_calls = calls.size();
  }

  // As the tracker's Unmap: a newer call may have taken the endpoint over.
  void Unroute(ActiveCall& call, int side) {
    if (call.rtp[side].port == 0) return;
    auto it = routes.find(call.rtp[side]);
    if (it != routes.end() && it->second.call == &call &&
        static_cast<int>(it->second.receiver) == side) {
      routes.erase(it);
    }
    call.rtp[side] = voip::Endpoint{};
  }

  // ---- media ----
  void StartChannels(ActiveCall& call, int64_t origin_us) {
    call.origin_us = origin_us;
    call.rate = 8000;
    for (const Media& m : call.media) {
      for (const voip::Codec& c : m.codecs) {
        if (c.name == "TELEPHONE-EVENT" || c.name == "CN") continue;
        if (c.name == "G722") call.rate = 16000;
        break;  // the first audio codec is the preferred one
      }
    }
    for (int side = 0; side < 2; ++side) {
      call.channel[side] = std::make_unique<voip::ChannelAssembler>(
          voip::ChannelOptions{.sample_rate = call.rate}, origin_us);
      call.channel[side]->SetCodecs(call.media[side].codecs);
      call.masker[side] = std::make_unique<voip::DtmfMasker>(call.rate, options.mask);
    }
    call.sink->sample_rate = call.rate;
  }

  void OnRtp(ActiveCall& call, voip::Side receiver, const voip::Packet& packet) {
    auto rtp = voip::ParseRtp(packet.payload);
    if (!rtp) return;
    ++stats.rtp_packets;
    if (!call.channel[0]) StartChannels(call, packet.time_us);
    call.channel[static_cast<int>(receiver)]->OnRtp(packet.time_us, *rtp);
    call.last_rtp_us = std::max(call.last_rtp_us, packet.time_us);
  }

  void AddSpan(ActiveCall& call, voip::SampleSpan span, std::string_view source) {
    call.spans.push_back({SamplesToMs(std::max<int64_t>(0, span.start), call.rate),
                          SamplesToMs(span.end, call.rate), std::string(source)});
  }

  // Moves audio up to `end_sample` through the maskers to the encoder; flush at the end.
  void Drain(ActiveCall& call, int64_t end_sample, bool flush) {
    if (!call.channel[0]) return;
    std::vector<int16_t>* pcm = drain_pcm;
    for (int side = 0; side < 2; ++side) {
      pcm[side].clear();
      drain_out[side].clear();
    }
    for (int side = 0; side < 2; ++side) {
      const int64_t target = std::max(end_sample, call.channel[side]->drained());
      call.channel[side]->DrainTo(target, pcm[side]);
    }
    // Keep the channels the same length: the shorter one is padded with silence.
    const size_t n = std::max(pcm[0].size(), pcm[1].size());
    for (int side = 0; side < 2; ++side) {
      if (pcm[side].size() < n) {
        call.channel[side]->DrainTo(
            call.channel[side]->drained() + static_cast<int64_t>(n - pcm[side].size()), pcm[side]);
      }
    }
    const int lookback = call.rate * options.mask.lookback_ms / 1000;
    const int hangover = call.rate * options.mask.hangover_ms / 1000;
    for (int side = 0; side < 2; ++side) {
      call.masker[side]->Push(pcm[side]);
      // RFC 4733 digits: the audio may carry the tone too, on either channel.
      for (voip::SampleSpan s : call.channel[side]->TakeDtmfSpans()) {
        s.start -= lookback;
        s.end += hangover;
        for (auto& m : call.masker) m->MaskSpan(s);
        AddSpan(call, s, "dtmf");
      }
      for (const voip::CodecGap& gap : call.channel[side]->TakeCodecGaps()) {
        AddSpan(call, gap.span, "gap");
      }
    }
    // An in-band tone found on one channel is silenced on the other too (echo, sidetone).
    for (int side = 0; side < 2; ++side) {
      for (voip::SampleSpan s : call.masker[side]->TakeDetections()) {
        call.masker[1 - side]->MaskSpan(s);
        AddSpan(call, s, "dtmf");
      }
    }
    if (call.paused) {
      const voip::SampleSpan pause{call.pause_start_sample, call.masker[0]->pushed()};
      for (auto& m : call.masker) m->MaskSpan(pause);
    }
    std::vector<int16_t>* out = drain_out;
    for (int side = 0; side < 2; ++side) {
      call.masker[side]->Pop(out[side], flush);
      (void)call.masker[side]->TakeMaskedSpans();  // recorded above, by cause
    }
    const size_t frames = std::min(out[0].size(), out[1].size());
    if (frames == 0) return;
    // Left: the remote party, whose voice is received by the agent's side.
    const int agent_receives = static_cast<int>(call.agent_side);
    const auto& left = out[agent_receives];
    const auto& right = out[1 - agent_receives];
    Job job;
    job.sink = call.sink;
    if (!pool.empty()) {
      job.pcm = std::move(pool.back());
      pool.pop_back();
    }
    job.pcm.resize(frames * 2);
    int16_t* dst = job.pcm.data();
    const int16_t* l = left.data();
    const int16_t* r = right.data();
    for (size_t i = 0; i < frames; ++i) {
      dst[2 * i] = l[i];
      dst[2 * i + 1] = r[i];
    }
    call.samples_out += static_cast<int64_t>(frames);
    Submit(call.worker, std::move(job));
  }

  void EndCall(ActiveCall& call) {
    if (call.paused) ClosePause(call, call.info.ended_us != 0 ? call.info.ended_us : last_time_us);
    CallEnd end;
    if (call.info.answered_us != 0) end.answered_at = core::FromUnixMicros(call.info.answered_us);
    end.ended_at =
        core::FromUnixMicros(call.info.ended_us != 0 ? call.info.ended_us : last_time_us);
    switch (call.info.end) {
      case voip::CallEnd::kBye:
        end.end_reason = "bye";
        break;
      case voip::CallEnd::kCancel:
        end.end_reason = "cancel";
        break;
      case voip::CallEnd::kRejected:
        end.end_reason = "rejected";
        break;
      default:
        end.end_reason = "timeout";
        break;
    }
    end.final_status = call.info.final_status;
    if (call.channel[0]) {
      // Everything received, then the delay lines.
      const int64_t last = call.channel[0]->SampleAt(call.last_rtp_us + 20'000);
      Drain(call, last, /*flush=*/true);
      RecordingInfo info;
      info.sample_rate = call.rate;
      info.duration_ms = SamplesToMs(call.samples_out, call.rate);
      uint64_t packets[2] = {0, 0};
      for (int side = 0; side < 2; ++side) {
        const voip::ChannelStats& s = call.channel[side]->stats();
        packets[side] = s.packets;
        info.packets += static_cast<int64_t>(s.packets);
        info.lost += static_cast<int64_t>(s.lost);
        info.late += static_cast<int64_t>(s.late);
        info.duplicates += static_cast<int64_t>(s.duplicates);
      }
      stats.rtp_lost += static_cast<uint64_t>(info.lost);
      stats.late += static_cast<uint64_t>(info.late);
      stats.duplicates += static_cast<uint64_t>(info.duplicates);
      info.loss_pct = info.packets + info.lost == 0
                          ? 0
                          : 100.0 * static_cast<double>(info.lost) /
                                static_cast<double>(info.packets + info.lost);
      info.one_way = (packets[0] == 0) != (packets[1] == 0);
      info.spans = MergeSpans(std::move(call.spans));
      stats.media_seconds += static_cast<double>(info.duration_ms) / 1000.0;
      end.recording = std::move(info);
    }
    Job job;
    job.sink = call.sink;
    job.end = std::move(end);
    {
      std::lock_guard lock(pending_mu);
      ++pending_closes;
    }
    Submit(call.worker, std::move(job));
  }

  static std::vector<MaskedSpan> MergeSpans(std::vector<MaskedSpan> spans) {
    std::sort(spans.begin(), spans.end(), [](const MaskedSpan& a, const MaskedSpan& b) {
      return std::tie(a.source, a.start_ms) < std::tie(b.source, b.start_ms);
    });
    std::vector<MaskedSpan> merged;
    for (MaskedSpan& s : spans) {
      if (!merged.empty() && merged.back().source == s.source &&
          s.start_ms <= merged.back().end_ms) {
        merged.back().end_ms = std::max(merged.back().end_ms, s.end_ms);
      } else {
        merged.push_back(std::move(s));
      }
    }
    std::sort(merged.begin(), merged.end(),
              [](const MaskedSpan& a, const MaskedSpan& b) { return a.start_ms < b.start_ms; });
    return merged;
  }

  void ClosePause(ActiveCall& call, int64_t now_us) {
    const int64_t end_sample =
        call.channel[0] ? call.channel[0]->SampleAt(now_us) : call.pause_start_sample;
    const voip::SampleSpan pause{call.pause_start_sample,
                                 std::max(end_sample, call.pause_start_sample)};
    if (call.masker[0]) {
      for (auto& m : call.masker) m->MaskSpan(pause);
    }
    AddSpan(call, pause, "pause");
    call.paused = false;
  }

  void Tick(int64_t now_us) {
    const int64_t jitter_us = int64_t{options.jitter_ms} * 1000;
    std::vector<std::string> inactive;
    for (auto& [id, call] : calls) {
      if (call.channel[0]) Drain(call, call.channel[0]->SampleAt(now_us - jitter_us), false);
      const int64_t since = std::max({call.last_rtp_us, call.info.answered_us});
      if (call.info.answered_us != 0 &&
          now_us - since > options.inactivity_timeout_seconds * 1'000'000) {
        inactive.push_back(id);
      }
      if (call.paused && now_us - call.pause_started_us > options.max_pause_seconds * 1'000'000) {
        ClosePause(call, now_us);
        const auto row = RowOf(call);
        if (alert && row)
          alert("recording.pause.expired", *row, "pause exceeded the limit; resumed");
        if (row) {
          (void)recordings.AuditCallEvent("system:recorder", "recording.resume.auto", *row,
                                          R"({"reason":"pause exceeded the configured limit"})");
        }
      }
    }
    for (const std::string& id : inactive) tracker.EndCall(id, now_us);
    tracker.Sweep(now_us);
  }

  static std::optional<int64_t> RowOf(const ActiveCall& call) {
    if (!call.sink->row.valid() ||
        call.sink->row.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return std::nullopt;
    }
    const Result<int64_t>& row = call.sink->row.get();
    if (!row) return std::nullopt;
    return *row;
  }

  // ---- encoder threads ----
  // Jobs wait in a per-worker batch until Flush (end of the frame or tick that made them):
  // a call's jobs stay in order, and the encoder is woken once per tick, not per call.
  void Submit(int worker_index, Job job) {
    batches[static_cast<size_t>(worker_index)].push_back(std::move(job));
    ++batched;
  }

  void Flush() {
    if (batched == 0) return;
    for (size_t i = 0; i < workers.size(); ++i) {
      std::vector<Job>& batch = batches[i];
      if (batch.empty()) continue;
      Worker& w = *workers[i];
      std::unique_lock lock(w.mu);
      w.space.wait(lock, [&] { return w.queue.size() < options.encoder_queue_chunks || w.stop; });
      const bool was_empty = w.queue.empty();
      if (was_empty) {
        w.queue.swap(batch);
      } else {
        std::move(batch.begin(), batch.end(), std::back_inserter(w.queue));
      }
      batch.clear();
      for (auto& buffer : w.spare) pool.push_back(std::move(buffer));
      w.spare.clear();
      lock.unlock();
      if (was_empty) w.wake.notify_one();
    }
    batched = 0;
  }

  void RunWorker(Worker& w) {
    std::vector<Job> work;
    std::vector<std::vector<int16_t>> spent;
    while (true) {
      {
        std::unique_lock lock(w.mu);
        for (auto& buffer : spent) {
          if (w.spare.size() >= kMaxSpareBuffers) break;
          w.spare.push_back(std::move(buffer));
        }
        spent.clear();
        w.wake.wait(lock, [&] { return !w.queue.empty() || w.stop; });
        if (w.queue.empty()) return;
        work.swap(w.queue);
        w.space.notify_one();
      }
      for (Job& job : work) {
        Process(job);
        if (job.pcm.capacity() != 0) spent.push_back(std::move(job.pcm));
      }
      work.clear();
    }
  }

  void MeasureCaptureCpu() {
    if (capture_cpu_start < 0 || std::this_thread::get_id() != capture_thread) return;
    stats.capture_cpu_seconds = ThreadCpuSeconds() - capture_cpu_start;
  }

  void Fail(CallSink& sink, std::string why) {
    if (!sink.failed) {
      sink.failed = true;
      sink.failure = std::move(why);
    }
  }

  void Process(Job& job) {
    CallSink& sink = *job.sink;
    if (!job.pcm.empty() && !sink.failed) {
      if (!sink.encoder) {
        sink.recording_id = NewRecordingId();
        auto writer =
            RecordingWriter::Create(keys, recordings.PathOf(sink.recording_id), sink.recording_id);
        if (!writer) {
          Fail(sink, writer.error().message);
        } else {
          sink.writer = std::move(*writer);
          OpusOptions opus = options.opus;
          opus.sample_rate = sink.sample_rate;
          auto encoder = OggOpusEncoder::Create(opus, [&sink](std::span<const uint8_t> segment) {
            return sink.writer->Append(segment);
          });
          if (!encoder) {
            Fail(sink, encoder.error().message);
          } else {
            sink.encoder = std::move(*encoder);
          }
        }
      }
      if (sink.encoder) {
        if (auto written = sink.encoder->Write(job.pcm); !written)
          Fail(sink, written.error().message);
      }
    }
    if (!job.end) return;
    CallEnd end = std::move(*job.end);
    if (sink.encoder && end.recording) {
      auto finished = sink.encoder->Finish();
      if (!finished) Fail(sink, finished.error().message);
      end.recording->id = sink.recording_id;
      end.recording->status = "complete";
      if (!sink.failed) {
        auto hash = sink.writer->Finish();
        if (hash) {
          end.recording->sha256 = *hash;
        } else {
          Fail(sink, hash.error().message);
        }
      }
      if (sink.failed) {
        end.recording->status = "incomplete";
        auto hash = HashFile(recordings.PathOf(sink.recording_id));
        end.recording->sha256 = hash ? *hash : std::string();
      }
      end.recording->bytes = static_cast<int64_t>(sink.writer ? sink.writer->bytes_written() : 0);
      end.key = sink.writer->wrapped_key();
    } else {
      end.recording.reset();  // no audio ever arrived: completeness reports it
    }
    const Result<int64_t>& row = sink.row.get();
    auto finish_pending = [this] {
      std::lock_guard lock(pending_mu);
      --pending_closes;
      pending_done.notify_all();
    };
    if (!row) {
      Failed(0, "call record could not be written: " + row.error().message);
      finish_pending();
      return;
    }
    if (sink.failed) Failed(*row, sink.failure);
    const bool recorded = end.recording.has_value();
    const int64_t id = *row;
    recordings.CloseCallAsync(
        id, std::move(end), [this, id, recorded, finish_pending](Result<void> r) {
          if (!r) Failed(id, "call record could not be closed: " + r.error().message);
          if (r && recorded) {
            std::lock_guard lock(mu_stats);
            ++recorded_count;
          }
          finish_pending();
        });
    sink.encoder.reset();
    sink.writer.reset();
  }

  void Failed(int64_t row, const std::string& why) {
    {
      std::lock_guard lock(mu_stats);
      ++write_failures;
    }
    if (alert) alert("recording.write.failed", row, why);
  }

  void WaitForWrites() {
    std::unique_lock lock(pending_mu);
    pending_done.wait(lock, [&] { return pending_closes == 0; });
  }

  void StopWorkers() {
    for (auto& w : workers) {
      {
        std::lock_guard lock(w->mu);
        w->stop = true;
      }
      w->wake.notify_all();
      w->space.notify_all();
    }
    for (auto& w : workers) {
      if (w->thread.joinable()) w->thread.join();
    }
  }

  std::mutex mu_stats;  // counters written by encoder and database threads
  uint64_t recorded_count = 0;
  uint64_t write_failures = 0;
};

Recorder::Recorder(Recordings& recordings, const KeyRing& keys, RecorderOptions options,
                   PartyResolver resolver, RecorderAlert alert)
    : impl_(std::make_unique<Impl>(recordings, keys, std::move(options), std::move(resolver),
                                   std::move(alert))) {}

Recorder::~Recorder() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->Flush();
  }
  impl_->WaitForWrites();
}

Result<void> Recorder::Validate(const RecorderOptions& options) {
  try {
    std::regex check(options.internal_number_pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return InvalidArgument("recording.internal_number_pattern", "not a valid regular expression");
  }
  for (const std::string& address : options.trunk_addresses) {
    if (!voip::Endpoint::Parse(address, 0)) {
      return InvalidArgument("recording.trunk_addresses", "not an IP address: " + address);
    }
  }
  if (options.sip_ports.empty()) return InvalidArgument("recording.sip_ports", "at least one port");
  if (options.jitter_ms < 20 || options.jitter_ms > 2000) {
    return InvalidArgument("recording.jitter_ms", "must be between 20 and 2000");
  }
  if (options.inactivity_timeout_seconds < 5) {
    return InvalidArgument("recording.inactivity_timeout_seconds", "must be at least 5");
  }
  if (options.max_pause_seconds < 1) {
    return InvalidArgument("recording.max_pause_seconds", "must be at least 1");
  }
  if (options.encoder_threads > 64) {
    return InvalidArgument("recording.encoder_threads", "must be at most 64 (0: one per core)");
  }
  return {};
}

void Recorder::OnFrame(voip::LinkType link, int64_t time_us, std::span<const uint8_t> frame) {
  std::lock_guard lock(impl_->mu);
  Impl& s = *impl_;
  if (s.capture_cpu_start < 0) {
    s.capture_thread = std::this_thread::get_id();
    s.capture_cpu_start = ThreadCpuSeconds();
  }
  ++s.stats.frames;
  auto packet = voip::DecodeFrame(link, time_us, frame);
  std::optional<std::vector<uint8_t>> whole;  // a reassembled datagram `packet` points into
  if (!packet && packet.error().code == ErrorCode::kUnavailable) {
    if (auto ip = voip::IpPacketOf(link, frame)) {
      ++s.stats.ip_fragments;
      whole = s.fragments.Add(time_us, ip->ip);
      if (!whole) return;  // more pieces to come (or not a fragment it can read: counted there)
      ++s.stats.reassembled_datagrams;
      packet = voip::DecodeFrame(voip::LinkType::kRaw, time_us, *whole);
      if (packet) packet->vlan = ip->vlan;
    }
  }
  if (!packet) {
    ++s.stats.undecodable_frames;
    return;
  }
  s.last_time_us = std::max(s.last_time_us, time_us);
  if (s.tracker.IsSip(*packet)) {
    ++s.stats.sip_messages;
    s.tracker.OnSip(*packet);
  } else if (packet->transport == voip::Transport::kUdp && !voip::IsRtcp(packet->payload)) {
    if (auto route = s.routes.find(packet->destination); route != s.routes.end()) {
      s.OnRtp(*route->second.call, route->second.receiver, *packet);
    } else if (auto owner = s.tracker.FindMedia(packet->destination)) {
      // Not routed (should not happen: routes follow the tracker); the slow way.
      auto it = s.calls.find(owner->call_id);
      if (it != s.calls.end()) s.OnRtp(it->second, owner->receiver, *packet);
    } else {
      ++s.stats.rtp_unmatched;
    }
  }
  if (s.next_tick_us == 0) s.next_tick_us = time_us + kTickUs;
  if (time_us >= s.next_tick_us) {
    s.Tick(time_us);
    s.next_tick_us = time_us + kTickUs;
    s.Flush();
    s.MeasureCaptureCpu();
  }
  s.Flush();  // a call ended by this packet
}

void Recorder::Tick(int64_t now_us) {
  std::lock_guard lock(impl_->mu);
  impl_->last_time_us = std::max(impl_->last_time_us, now_us);
  impl_->Tick(now_us);
  impl_->Flush();
}

void Recorder::Finish(int64_t now_us) {
  {
    std::lock_guard lock(impl_->mu);
    const int64_t at = std::max(now_us, impl_->last_time_us);
    impl_->tracker.EndAll(at);
    impl_->Flush();
    impl_->MeasureCaptureCpu();
  }
  impl_->WaitForWrites();
}

Result<void> Recorder::Pause(int64_t call_row, std::string_view actor) {
  {
    std::lock_guard lock(impl_->mu);
    Impl& s = *impl_;
    Impl::ActiveCall* call = nullptr;
    for (auto& [id, c] : s.calls) {
      if (Impl::RowOf(c) == call_row) call = &c;
    }
    if (call == nullptr) return NotFound("call " + std::to_string(call_row) + " is not active");
    if (call->paused) {
      return MakeError(ErrorCode::kFailedPrecondition, "recording is already paused");
    }
    call->paused = true;
    call->pause_started_us = s.last_time_us;
    call->pause_start_sample = call->channel[0] ? call->channel[0]->SampleAt(s.last_time_us) : 0;
  }
  return impl_->recordings.AuditCallEvent(actor, "recording.pause", call_row, "{}");
}

Result<void> Recorder::Resume(int64_t call_row, std::string_view actor) {
  {
    std::lock_guard lock(impl_->mu);
    Impl& s = *impl_;
    Impl::ActiveCall* call = nullptr;
    for (auto& [id, c] : s.calls) {
      if (Impl::RowOf(c) == call_row) call = &c;
    }
    if (call == nullptr) return NotFound("call " + std::to_string(call_row) + " is not active");
    if (!call->paused) return MakeError(ErrorCode::kFailedPrecondition, "recording is not paused");
    s.ClosePause(*call, s.last_time_us);
  }
  return impl_->recordings.AuditCallEvent(actor, "recording.resume", call_row, "{}");
}

std::vector<int64_t> Recorder::ActiveCalls() const {
  std::lock_guard lock(impl_->mu);
  std::vector<int64_t> rows;
  for (const auto& [id, call] : impl_->calls) {
    if (auto row = Impl::RowOf(call)) rows.push_back(*row);
  }
  return rows;
}

RecorderStats Recorder::stats() const {
  RecorderStats out;
  {
    std::lock_guard lock(impl_->mu);
    out = impl_->stats;
  }
  std::lock_guard lock(impl_->mu_stats);
  out.recorded = impl_->recorded_count;
  out.write_failures = impl_->write_failures;
  return out;
}

}  // namespace fg::recording
