#include "dropslot/db/timed_database.hpp"

#include <array>
#include <chrono>
#include <string_view>
#include <type_traits>
#include <utility>

#include "dropslot/metrics/db_metrics.hpp"

namespace dropslot::db {

bool is_database_failure(const error& e) noexcept {
  if (e.code.category() != db_errc_category()) return true;
  switch (static_cast<db_errc>(e.code.value())) {
    case db_errc::not_found:
    case db_errc::conflict:
    case db_errc::invalid_argument:
    case db_errc::limit_reached: return false;
    default: return true;
  }
}

namespace {

// The op label of each member, in one list: its index is what timed() records under.
enum class op : std::size_t {
  ping, create_customer, list_customers, get_customer, delete_customer, create_login_code, consume_login_code,
  create_session, lookup_session, revoke_session, revoke_sessions, create_job, list_jobs, get_job, update_job,
  list_all_jobs, allocate_upload, create_quote, list_quotes,
  // shot lists and receipts (issue 22)
  set_job_shots, get_upload, list_uploads, label_upload, set_upload_state, received_shot_counts, count_
};
constexpr std::array<std::string_view, static_cast<std::size_t>(op::count_)> op_names = {
    "ping", "create_customer", "list_customers", "get_customer", "delete_customer", "create_login_code",
    "consume_login_code", "create_session", "lookup_session", "revoke_session", "revoke_sessions", "create_job",
    "list_jobs", "get_job", "update_job", "list_all_jobs", "allocate_upload", "create_quote", "list_quotes",
    "set_job_shots", "get_upload", "list_uploads", "label_upload", "set_upload_state", "received_shot_counts"};

template <class T>
bool failed(const result<T>& r) {
  return !r && is_database_failure(r.error());
}

class timed_database final : public database {
 public:
  explicit timed_database(std::shared_ptr<database> inner) : inner_(std::move(inner)) {
    auto& m = metrics::db();
    backend_ = m.backend(inner_->backend());
    for (std::size_t i = 0; i < op_names.size(); ++i) slots_[i] = m.op(op_names[i]);
  }

  std::string_view backend() const noexcept override { return inner_->backend(); }
  // The company's side: the inner backend's own object, not timed yet (docs/metrics.md).
  staff_database* staff() noexcept override { return inner_->staff(); }
  // Admin only (`admin migrate`), not a request's call: forwarded untimed.
  result<std::size_t> migrate_data() override { return inner_->migrate_data(); }
  result<void> ping() override { return timed(op::ping, [&] { return inner_->ping(); }); }

  result<customer> create_customer(const std::string& name, const std::string& email, timestamp now) override {
    return timed(op::create_customer, [&] { return inner_->create_customer(name, email, now); });
  }
  result<std::vector<customer>> list_customers() override {
    return timed(op::list_customers, [&] { return inner_->list_customers(); });
  }
  result<std::optional<customer>> get_customer(customer_id id) override {
    return timed(op::get_customer, [&] { return inner_->get_customer(id); });
  }
  result<bool> delete_customer(customer_id id) override {
    return timed(op::delete_customer, [&] { return inner_->delete_customer(id); });
  }
  result<login_code> create_login_code(customer_id c, timestamp now, std::chrono::seconds ttl) override {
    return timed(op::create_login_code, [&] { return inner_->create_login_code(c, now, ttl); });
  }
  result<std::optional<customer_id>> consume_login_code(std::string_view code, timestamp now) override {
    return timed(op::consume_login_code, [&] { return inner_->consume_login_code(code, now); });
  }
  result<new_session> create_session(customer_id c, timestamp now, std::chrono::seconds ttl) override {
    return timed(op::create_session, [&] { return inner_->create_session(c, now, ttl); });
  }
  result<std::optional<session>> lookup_session(std::string_view token, timestamp now) override {
    return timed(op::lookup_session, [&] { return inner_->lookup_session(token, now); });
  }
  result<void> revoke_session(std::string_view token, timestamp now) override {
    return timed(op::revoke_session, [&] { return inner_->revoke_session(token, now); });
  }
  result<std::int64_t> revoke_sessions(customer_id c, timestamp now) override {
    return timed(op::revoke_sessions, [&] { return inner_->revoke_sessions(c, now); });
  }
  result<job> create_job(const new_job& j, timestamp now) override {
    return timed(op::create_job, [&] { return inner_->create_job(j, now); });
  }
  result<std::vector<job>> list_jobs(customer_id c) override {
    return timed(op::list_jobs, [&] { return inner_->list_jobs(c); });
  }
  result<std::optional<job>> get_job(std::string_view job_id, customer_id c) override {
    return timed(op::get_job, [&] { return inner_->get_job(job_id, c); });
  }
  result<std::optional<job>> update_job(std::string_view job_id, customer_id c, const job_update& u,
                                        timestamp now) override {
    return timed(op::update_job, [&] { return inner_->update_job(job_id, c, u, now); });
  }
  result<std::vector<job>> list_all_jobs(std::optional<customer_id> c) override {
    return timed(op::list_all_jobs, [&] { return inner_->list_all_jobs(c); });
  }
  result<upload_slot> allocate_upload(const upload_request& r, timestamp now) override {
    return timed(op::allocate_upload, [&] { return inner_->allocate_upload(r, now); });
  }
  // Timed from the call to `done`: the wait for the group commit is part of it.
  void allocate_upload_async(upload_request r, timestamp now, std::function<void(result<upload_slot>)> done) override {
    const auto started = std::chrono::steady_clock::now();
    inner_->allocate_upload_async(std::move(r), now, [this, started, done = std::move(done)](result<upload_slot> s) {
      record(op::allocate_upload, started, failed(s));
      done(std::move(s));
    });
  }
  result<quote> create_quote(const new_quote& q, timestamp now) override {
    return timed(op::create_quote, [&] { return inner_->create_quote(q, now); });
  }
  result<std::vector<quote>> list_quotes(customer_id c) override {
    return timed(op::list_quotes, [&] { return inner_->list_quotes(c); });
  }

  // --- shot lists and receipts (issue 22)
  result<bool> set_job_shots(std::string_view job_id, const std::optional<std::string>& shots_json,
                             timestamp now) override {
    return timed(op::set_job_shots, [&] { return inner_->set_job_shots(job_id, shots_json, now); });
  }
  result<std::optional<upload_record>> get_upload(std::string_view job_id, std::int64_t number) override {
    return timed(op::get_upload, [&] { return inner_->get_upload(job_id, number); });
  }
  result<std::vector<upload_record>> list_uploads(std::string_view job_id) override {
    return timed(op::list_uploads, [&] { return inner_->list_uploads(job_id); });
  }
  result<std::optional<upload_record>> label_upload(std::string_view job_id, std::int64_t number,
                                                    const upload_labels& labels) override {
    return timed(op::label_upload, [&] { return inner_->label_upload(job_id, number, labels); });
  }
  result<std::optional<upload_record>> set_upload_state(std::string_view job_id, std::int64_t number,
                                                        upload_state to, timestamp at) override {
    return timed(op::set_upload_state, [&] { return inner_->set_upload_state(job_id, number, to, at); });
  }
  result<std::vector<shot_count>> received_shot_counts(std::string_view job_id) override {
    return timed(op::received_shot_counts, [&] { return inner_->received_shot_counts(job_id); });
  }

 private:
  template <class F>
  std::invoke_result_t<F&> timed(op o, F&& call) {
    const auto started = std::chrono::steady_clock::now();
    auto r = call();
    record(o, started, failed(r));
    return r;
  }
  void record(op o, std::chrono::steady_clock::time_point started, bool failure) noexcept {
    metrics::db().record(slots_[static_cast<std::size_t>(o)], backend_, std::chrono::steady_clock::now() - started,
                         failure);
  }

  std::shared_ptr<database> inner_;
  std::size_t backend_ = 0;
  std::array<std::size_t, op_names.size()> slots_{};
};

}  // namespace

std::shared_ptr<database> with_metrics(std::shared_ptr<database> inner) {
  return std::make_shared<timed_database>(std::move(inner));
}

}  // namespace dropslot::db
