#include "recording/vault.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "recording/ogg_opus.h"

namespace fg::recording {
namespace {

namespace fs = std::filesystem;

constexpr char kKey1[] = "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kKey2[] = "k2 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00112233445566778899aabbccddeeff";

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteBytes(const fs::path& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> Segment(size_t size, uint8_t seed) {
  std::vector<uint8_t> segment(size);
  for (size_t i = 0; i < size; ++i) segment[i] = static_cast<uint8_t>(seed + i * 7);
  return segment;
}

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fg_vault_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  KeyRing Ring(std::string_view text) {
    auto ring = KeyRing::Parse(text);
    EXPECT_TRUE(ring.has_value()) << ring.error().ToString();
    return *ring;
  }

  // Writes a recording of `segments` and returns its wrapped key.
  WrappedKey Record(const KeyRing& ring, const fs::path& path, const std::string& id,
                    const std::vector<std::vector<uint8_t>>& segments, bool finish = true) {
    auto writer = RecordingWriter::Create(ring, path, id);
    EXPECT_TRUE(writer.has_value()) << writer.error().ToString();
    for (const auto& segment : segments) EXPECT_TRUE((*writer)->Append(segment).has_value());
    if (finish) {
      auto hash = (*writer)->Finish();
      EXPECT_TRUE(hash.has_value());
      finished_hash_ = hash.value_or("");
    }
    return (*writer)->wrapped_key();
  }

  Result<std::vector<uint8_t>> ReadAll(const KeyRing& ring, const fs::path& path,
                                       const std::string& id, const WrappedKey& key) {
    FG_ASSIGN_OR_RETURN(auto reader, RecordingReader::Open(ring, path, id, key));
    return reader->ReadAll();
  }

  fs::path dir_;
  std::string finished_hash_;
  std::vector<std::vector<uint8_t>> segments_ = {Segment(1000, 1), Segment(1, 2), Segment(0, 3),
                                                 Segment(5000, 4)};
};

std::vector<uint8_t> Concat(const std::vector<std::vector<uint8_t>>& segments) {
  std::vector<uint8_t> all;
  for (const auto& segment : segments) all.insert(all.end(), segment.begin(), segment.end());
  return all;
}

TEST_F(VaultTest, SeveralSegmentsRoundTripInOrder) {
  KeyRing ring = Ring(kKey1);
  fs::path path = dir_ / "a.fgrec";
  WrappedKey key = Record(ring, path, "rec-a", segments_);
  EXPECT_EQ(key.master_key_id, "k1");
  auto reader = RecordingReader::Open(ring, path, "rec-a", key);
  ASSERT_TRUE(reader.has_value()) << reader.error().ToString();
  for (const auto& expected : segments_) {
    auto segment = (*reader)->Next();
    ASSERT_TRUE(segment.has_value()) << segment.error().ToString();
    ASSERT_TRUE(segment->has_value());
    EXPECT_EQ(**segment, expected);
  }
  auto end = (*reader)->Next();
  ASSERT_TRUE(end.has_value());
  EXPECT_FALSE(end->has_value());
  // The file holds ciphertext only.
  auto bytes = ReadBytes(path);
  EXPECT_EQ(std::search(bytes.begin(), bytes.end(), segments_[3].begin(), segments_[3].end()),
            bytes.end());
  EXPECT_EQ(::access(path.c_str(), F_OK), 0);
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(VaultTest, OggOpusSegmentsThroughTheVaultDecodeToTheWholeRecording) {
  KeyRing ring = Ring(kKey1);
  fs::path path = dir_ / "call.fgrec";
  auto writer = RecordingWriter::Create(ring, path, "call-1");
  ASSERT_TRUE(writer.has_value());
  auto encoder = OggOpusEncoder::Create(
      {.sample_rate = 8000, .segment_seconds = 1},
      [&](std::span<const uint8_t> segment) { return (*writer)->Append(segment); });
  ASSERT_TRUE(encoder.has_value());
  std::vector<int16_t> pcm(8000 * 2 * 5 / 2);  // 2.5 s of stereo
  for (size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<int16_t>(5000 * std::sin(static_cast<double>(i / 2) * 0.3));
  }
  ASSERT_TRUE((*encoder)->Write(pcm).has_value());
  ASSERT_TRUE((*encoder)->Finish().has_value());
  ASSERT_TRUE((*writer)->Finish().has_value());
  auto ogg = ReadAll(ring, path, "call-1", (*writer)->wrapped_key());
  ASSERT_TRUE(ogg.has_value()) << ogg.error().ToString();
  auto audio = DecodeOggOpus(*ogg);
  ASSERT_TRUE(audio.has_value()) << audio.error().ToString();
  EXPECT_EQ(audio->samples.size(), pcm.size());
}

TEST_F(VaultTest, AFlippedByteAnywhereIsDataLoss) {
  KeyRing ring = Ring(kKey1);
  fs::path path = dir_ / "a.fgrec";
  WrappedKey key = Record(ring, path, "rec-a", {Segment(40, 1), Segment(30, 2)});
  const auto good = ReadBytes(path);
  ASSERT_TRUE(ReadAll(ring, path, "rec-a", key).has_value());
  fs::path damaged_path = dir_ / "damaged.fgrec";
  for (size_t i = 0; i < good.size(); ++i) {
    auto damaged = good;
    damaged[i] ^= 0x01;
    WriteBytes(damaged_path, damaged);
    auto read = ReadAll(ring, damaged_path, "rec-a", key);
    ASSERT_FALSE(read.has_value()) << "byte " << i;
    EXPECT_EQ(read.error().code, ErrorCode::kDataLoss) << "byte " << i;
  }
}

TEST_F(VaultTest, ATruncatedFileIsDataLoss) {
  KeyRing ring = Ring(kKey1);
  fs::path path = dir_ / "a.fgrec";
  WrappedKey key = Record(ring, path, "rec-a", {Segment(100, 1), Segment(100, 2)});
  const auto good = ReadBytes(path);
  // The final message is 4 + 17 bytes: cut just before it, and in the middle of a segment.
  const size_t final_size = 4 + 17;
  for (size_t cut :
       {good.size() - final_size, good.size() - final_size - 50, good.size() - 1, size_t{10}}) {
    fs::path cut_path = dir_ / "cut.fgrec";
    WriteBytes(cut_path, std::span(good).first(cut));
    auto read = ReadAll(ring, cut_path, "rec-a", key);
    ASSERT_FALSE(read.has_value()) << "cut at " << cut;
    EXPECT_EQ(read.error().code, ErrorCode::kDataLoss);
    if (cut > 100) {
      EXPECT_NE(read.error().message.find("truncated"), std::string::npos);
    }
  }
}

TEST_F(VaultTest, DataAfterTheFinalTagIsDataLoss) {
  KeyRing ring = Ring(kKey1);
  fs::path path = dir_ / "a.fgrec";
  WrappedKey key = Record(ring, path, "rec-a", {Segment(10, 1)});
  auto bytes = ReadBytes(path);
  bytes.push_back(0);
  WriteBytes(path, bytes);
  auto read = ReadAll(ring, path, "rec-a", key);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kDataLoss);
}

TEST_F(VaultTest, AFileSwappedForAnotherRecordingIsDataLoss) {
  KeyRing ring = Ring(kKey1);
  WrappedKey key_a = Record(ring, dir_ / "a.fgrec", "rec-a", segments_);
  WrappedKey key_b = Record(ring, dir_ / "b.fgrec", "rec-b", segments_);
  // A's file put where B's should be.
  fs::copy_file(dir_ / "a.fgrec", dir_ / "b.fgrec", fs::copy_options::overwrite_existing);
  auto read = ReadAll(ring, dir_ / "b.fgrec", "rec-b", key_b);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(read.error().message.find("belongs to another recording"), std::string::npos);
  // And with its header edited to claim B's id, B's key cannot open it.
  auto bytes = ReadBytes(dir_ / "a.fgrec");
  ASSERT_EQ(bytes[8 + 4], 'a');
  bytes[8 + 4] = 'b';
  WriteBytes(dir_ / "b.fgrec", bytes);
  read = ReadAll(ring, dir_ / "b.fgrec", "rec-b", key_b);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kDataLoss);
  (void)key_a;
}

TEST_F(VaultTest, TheWrappedKeyOfOneRecordingCannotOpenAnother) {
  KeyRing ring = Ring(kKey1);
  WrappedKey key_a = Record(ring, dir_ / "a.fgrec", "rec-a", segments_);
  Record(ring, dir_ / "b.fgrec", "rec-b", segments_);
  auto read = ReadAll(ring, dir_ / "b.fgrec", "rec-b", key_a);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kDataLoss);
  WrappedKey tampered = key_a;
  tampered.sealed[30] ^= 1;
  read = ReadAll(ring, dir_ / "a.fgrec", "rec-a", tampered);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kDataLoss);
}

TEST_F(VaultTest, RotationKeepsOldRecordingsReadableAndWrapsNewOnesWithTheNewKey) {
  KeyRing old_ring = Ring(kKey1);
  WrappedKey old_key = Record(old_ring, dir_ / "old.fgrec", "rec-old", segments_);
  KeyRing rotated = Ring(std::string(kKey1) + "\n" + kKey2);
  EXPECT_EQ(rotated.current().id, "k2");
  auto old_read = ReadAll(rotated, dir_ / "old.fgrec", "rec-old", old_key);
  ASSERT_TRUE(old_read.has_value()) << old_read.error().ToString();
  EXPECT_EQ(*old_read, Concat(segments_));
  WrappedKey new_key = Record(rotated, dir_ / "new.fgrec", "rec-new", segments_);
  EXPECT_EQ(new_key.master_key_id, "k2");
  EXPECT_TRUE(ReadAll(rotated, dir_ / "new.fgrec", "rec-new", new_key).has_value());
  // The old ring alone cannot unwrap the new recording's key.
  auto read = ReadAll(old_ring, dir_ / "new.fgrec", "rec-new", new_key);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(VaultTest, ARingWithoutTheRecordingsMasterKeyIsFailedPrecondition) {
  WrappedKey key = Record(Ring(kKey1), dir_ / "a.fgrec", "rec-a", segments_);
  auto read = ReadAll(Ring(kKey2), dir_ / "a.fgrec", "rec-a", key);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(VaultTest, AWriterDestroyedWithoutFinishLeavesItsSegmentsThenTruncation) {
  KeyRing ring = Ring(kKey1);
  fs::path path = dir_ / "crash.fgrec";
  WrappedKey key = Record(ring, path, "rec-a", segments_, /*finish=*/false);
  auto reader = RecordingReader::Open(ring, path, "rec-a", key);
  ASSERT_TRUE(reader.has_value()) << reader.error().ToString();
  for (const auto& expected : segments_) {
    auto segment = (*reader)->Next();
    ASSERT_TRUE(segment.has_value()) << segment.error().ToString();
    ASSERT_TRUE(segment->has_value());
    EXPECT_EQ(**segment, expected);
  }
  auto end = (*reader)->Next();
  ASSERT_FALSE(end.has_value());
  EXPECT_EQ(end.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(end.error().message.find("truncated"), std::string::npos);
}

TEST_F(VaultTest, FinishReturnsTheSha256OfTheFileAndHashFileAgrees) {
  KeyRing ring = Ring(kKey1);
  fs::path path = dir_ / "a.fgrec";
  auto writer = RecordingWriter::Create(ring, path, "rec-a");
  ASSERT_TRUE(writer.has_value());
  ASSERT_TRUE((*writer)->Append(Segment(777, 9)).has_value());
  auto finished = (*writer)->Finish();
  ASSERT_TRUE(finished.has_value());
  auto bytes = ReadBytes(path);
  EXPECT_EQ((*writer)->bytes_written(), bytes.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(bytes.data(), bytes.size(), digest);
  std::string expected;
  for (unsigned char byte : digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    expected += kHex[byte >> 4];
    expected += kHex[byte & 15];
  }
  EXPECT_EQ(*finished, expected);
  auto hashed = HashFile(path.string());
  ASSERT_TRUE(hashed.has_value());
  EXPECT_EQ(*hashed, expected);
  EXPECT_EQ(HashFile((dir_ / "missing").string()).error().code, ErrorCode::kNotFound);
  // Nothing more may be written once finished.
  EXPECT_EQ((*writer)->Append(Segment(1, 1)).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(VaultTest, AnExistingFileIsNeverOverwritten) {
  KeyRing ring = Ring(kKey1);
  Record(ring, dir_ / "a.fgrec", "rec-a", segments_);
  auto writer = RecordingWriter::Create(ring, dir_ / "a.fgrec", "rec-a");
  ASSERT_FALSE(writer.has_value());
  EXPECT_EQ(writer.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(VaultTest, EachRecordingGetsItsOwnKey) {
  KeyRing ring = Ring(kKey1);
  WrappedKey a = Record(ring, dir_ / "a.fgrec", "rec-a", segments_);
  WrappedKey b = Record(ring, dir_ / "b.fgrec", "rec-b", segments_);
  EXPECT_NE(a.sealed, b.sealed);
  EXPECT_EQ(a.sealed.size(), 24u + 32u + 16u);
}

// ---------------------------------------------------------------------------------------
// KeyRing

TEST(KeyRing, ParseTakesLinesOrSemicolonsWithCommentsAndTheLastKeyIsCurrent) {
  auto ring = KeyRing::Parse(std::string("# master keys\n") + kKey1 + " ;  " + kKey2 + "\n\n");
  ASSERT_TRUE(ring.has_value()) << ring.error().ToString();
  EXPECT_EQ(ring->size(), 2u);
  EXPECT_EQ(ring->current().id, "k2");
  ASSERT_NE(ring->Find("k1"), nullptr);
  EXPECT_EQ(ring->Find("k1")->secret[31], 0x1f);
  EXPECT_EQ(ring->Find("k3"), nullptr);
}

TEST(KeyRing, ParseRejectsBadKeysWithoutEchoingKeyMaterial) {
  const std::string secret_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddee";
  for (std::string text : {std::string("k1 ") + secret_hex,             // 62 digits
                           std::string("k1 ") + secret_hex + "zz",      // not hex
                           std::string("k1 ") + secret_hex + "ff00",    // 66 digits
                           secret_hex + "ff",                           // no id
                           std::string("bad/id ") + secret_hex + "ff",  // bad id
                           std::string("k1 ") + secret_hex + "ff;k1 " + secret_hex + "ee",
                           std::string("# only a comment"), std::string("")}) {
    auto ring = KeyRing::Parse(text);
    ASSERT_FALSE(ring.has_value()) << text;
    EXPECT_EQ(ring.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(ring.error().message.find("00112233"), std::string::npos) << ring.error().message;
  }
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fg_keys_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "master.keys").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string path_;
};

TEST_F(KeyFileTest, CreateFileIfMissingMakesAMode0600FileWithOneKey) {
  ASSERT_TRUE(KeyRing::CreateFileIfMissing(path_).has_value());
  struct stat info;
  ASSERT_EQ(::stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto ring = KeyRing::LoadFile(path_);
  ASSERT_TRUE(ring.has_value()) << ring.error().ToString();
  EXPECT_EQ(ring->size(), 1u);
  EXPECT_EQ(ring->current().id.front(), 'k');
  // A second call leaves the existing keys alone.
  auto before = ReadBytes(path_);
  ASSERT_TRUE(KeyRing::CreateFileIfMissing(path_).has_value());
  EXPECT_EQ(ReadBytes(path_), before);
}

TEST_F(KeyFileTest, LoadFileRefusesAFileReadableByOthers) {
  ASSERT_TRUE(KeyRing::CreateFileIfMissing(path_).has_value());
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  auto ring = KeyRing::LoadFile(path_);
  ASSERT_FALSE(ring.has_value());
  EXPECT_EQ(ring.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(ring.error().message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(KeyRing::LoadFile((dir_ / "absent").string()).error().code, ErrorCode::kNotFound);
}

TEST_F(KeyFileTest, RotateFileAppendsANewCurrentKeyAndKeepsTheOldOnes) {
  ASSERT_TRUE(KeyRing::CreateFileIfMissing(path_).has_value());
  auto first = KeyRing::LoadFile(path_);
  ASSERT_TRUE(first.has_value());
  const std::string old_id = first->current().id;
  const auto old_secret = first->current().secret;
  auto rotated_id = KeyRing::RotateFile(path_);
  ASSERT_TRUE(rotated_id.has_value()) << rotated_id.error().ToString();
  // Twice in the same second still gives distinct ids.
  auto again_id = KeyRing::RotateFile(path_);
  ASSERT_TRUE(again_id.has_value()) << again_id.error().ToString();
  EXPECT_NE(*again_id, *rotated_id);
  auto ring = KeyRing::LoadFile(path_);
  ASSERT_TRUE(ring.has_value()) << ring.error().ToString();
  EXPECT_EQ(ring->size(), 3u);
  EXPECT_EQ(ring->current().id, *again_id);
  ASSERT_NE(ring->Find(old_id), nullptr);
  EXPECT_EQ(ring->Find(old_id)->secret, old_secret);
  EXPECT_NE(ring->current().secret, old_secret);
}

TEST_F(KeyFileTest, ErrorsFromAKeyFileNeverContainItsSecrets) {
  {
    std::ofstream out(path_);
    out << "k1 " << std::string(63, 'a') << "\n";
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
  auto ring = KeyRing::LoadFile(path_);
  ASSERT_FALSE(ring.has_value());
  EXPECT_EQ(ring.error().message.find("aaaa"), std::string::npos) << ring.error().message;
}

}  // namespace
}  // namespace fg::recording
