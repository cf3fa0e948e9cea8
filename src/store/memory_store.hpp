#pragma once
// The in-memory storage (storage.hpp): every bucket, object, upload and configuration in
// maps under one lock, nothing on disk. The engine's tests run on it with no folder, and
// the storage conformance tests run on it and on disk_store alike.
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "storage.hpp"

namespace dropslot::store {

class memory_store final : public storage {
 public:
  memory_store() = default;

  result<void> create_bucket(std::string_view name, std::chrono::sys_seconds now, bool exist_ok) override;
  bool bucket_exists(std::string_view name) const override;
  result<void> delete_bucket(std::string_view name) override;
  std::vector<bucket_entry> list_buckets() const override;
  result<std::optional<std::string>> get_cors(std::string_view bucket) const override;
  result<void> put_cors(std::string_view bucket, std::string_view xml) override;
  result<void> delete_cors(std::string_view bucket) override;

  result<temp_object> new_temp() const override;
  result<void> commit_object(std::string_view bucket, temp_object body, const object_meta& meta,
                             bool must_not_exist) override;
  result<object_reader> open_object(std::string_view bucket, std::string_view key) const override;
  std::optional<index_entry> stat_object(std::string_view bucket, std::string_view key) const override;
  result<void> delete_object(std::string_view bucket, std::string_view key) override;
  result<list_result> list(std::string_view bucket, const list_request& req) const override;

  result<std::string> create_upload(std::string_view bucket, const object_meta& meta,
                                    std::chrono::sys_seconds now) override;
  result<object_meta> upload_meta(std::string_view bucket, std::string_view id) const override;
  result<void> commit_part(std::string_view bucket, std::string_view id, int number, temp_object body,
                           const object_meta& part_meta) override;
  result<std::vector<part_entry>> list_parts(std::string_view bucket, std::string_view id) const override;
  result<object_meta> complete_upload(std::string_view bucket, std::string_view id, std::string_view key,
                                      const part_list& parts, std::chrono::sys_seconds now,
                                      bool must_not_exist) override;
  result<void> abort_upload(std::string_view bucket, std::string_view id) override;
  result<std::vector<upload_entry>> list_uploads(std::string_view bucket, std::string_view prefix) const override;

 private:
  struct stored {
    object_meta meta;
    std::shared_ptr<const std::string> data;
  };
  struct upload {
    object_meta meta;
    std::map<int, stored> parts;
  };
  struct completion {
    object_meta meta;
    part_list parts;
  };
  struct bucket {
    std::chrono::sys_seconds created{};
    std::optional<std::string> cors;
    std::map<std::string, stored, std::less<>> objects;
    std::map<std::string, upload, std::less<>> uploads;
    std::map<std::string, completion, std::less<>> completed;
  };
  bucket* find(std::string_view name);
  const bucket* find(std::string_view name) const;

  mutable std::shared_mutex mutex_;
  std::map<std::string, bucket, std::less<>> buckets_;
};

}  // namespace dropslot::store
