#include "list_objects.hpp"

#include <gtest/gtest.h>

namespace dropslot::s3 {
namespace {

TEST(ListObjects, ParsesPageAndToken) {
  auto page = detail::parse_list_objects_v2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>uploads</Name><Prefix>jobs/J1/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated><NextContinuationToken>tok/+=</NextContinuationToken>
  <Contents><Key>jobs/J1/photo-001.jpg</Key><LastModified>2026-11-29T04:25:00.000Z</LastModified>
    <ETag>"abc"</ETag><Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>jobs/J1/photo-002.png</Key><LastModified>2026-11-29T04:26:00.000Z</LastModified>
    <ETag>"def"</ETag><Size>0</Size></Contents>
</ListBucketResult>)");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "tok/+=");
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "jobs/J1/photo-001.jpg");
  EXPECT_EQ(page->objects[0].size, 1234u);
  EXPECT_EQ(page->objects[0].last_modified, "2026-11-29T04:25:00.000Z");
  EXPECT_EQ(page->objects[1].size, 0u);
}

TEST(ListObjects, RejectsGarbage) {
  EXPECT_FALSE(detail::parse_list_objects_v2("not xml"));
  EXPECT_FALSE(detail::parse_list_objects_v2("<Error><Code>AccessDenied</Code></Error>"));
  EXPECT_FALSE(detail::parse_list_objects_v2(
      "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>"));
}

TEST(ListObjects, EmptyListing) {
  auto page = detail::parse_list_objects_v2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(page);
  EXPECT_FALSE(page->truncated);
  EXPECT_TRUE(page->objects.empty());
}

}  // namespace
}  // namespace dropslot::s3
