#include <dropslot/db/dynamodb_schema.hpp>

namespace dropslot::db {

result<void> check_dynamodb_prefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 200)
    return fail(db_errc::invalid_argument, "a DynamoDB table prefix is 1 to 200 characters: dynamodb://PREFIX");
  for (char c : prefix) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.';
    if (!ok) return fail(db_errc::invalid_argument, "a DynamoDB table prefix may hold only A-Z a-z 0-9 _ - .");
  }
  return {};
}

std::string dynamodb_table_name(std::string_view prefix) { return std::string(prefix) + "-main"; }

boost::json::object dynamodb_table_definition(std::string_view prefix) {
  auto attribute = [](const char* name) { return boost::json::object{{"AttributeName", name}, {"AttributeType", "S"}}; };
  auto key = [](const char* name, const char* type) { return boost::json::object{{"AttributeName", name}, {"KeyType", type}}; };
  return boost::json::object{
      {"TableName", dynamodb_table_name(prefix)},
      {"BillingMode", "PAY_PER_REQUEST"},
      {"AttributeDefinitions",
       boost::json::array{attribute("pk"), attribute("sk"), attribute("gsi1pk"), attribute("gsi1sk")}},
      {"KeySchema", boost::json::array{key("pk", "HASH"), key("sk", "RANGE")}},
      {"GlobalSecondaryIndexes",
       boost::json::array{boost::json::object{
           {"IndexName", dynamodb_gsi1},
           {"KeySchema", boost::json::array{key("gsi1pk", "HASH"), key("gsi1sk", "RANGE")}},
           {"Projection", boost::json::object{{"ProjectionType", "ALL"}}}}}},
  };
}

result<std::string> dynamodb_prefix_of(std::string_view url) {
  constexpr std::string_view scheme = "dynamodb://";
  if (!url.starts_with(scheme)) return fail(db_errc::invalid_argument, "a DynamoDB URL is dynamodb://PREFIX");
  std::string_view prefix = url.substr(scheme.size());
  if (auto c = check_dynamodb_prefix(prefix); !c) return fail(c.error());
  return std::string(prefix);
}

}  // namespace dropslot::db
