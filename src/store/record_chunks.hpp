#pragma once
// One job's enriched records as DuckDB data chunks (2,048 rows each) in route53query_data's column
// order. Filled on a worker thread while the record is at hand; the writer thread appends the
// chunks in input order. Chunks are kept and reset between jobs, so a warm pipeline allocates
// only what DuckDB's string heaps need.
#include <duckdb.h>

#include <array>
#include <memory>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/enriched_record.hpp"
#include "core/query_record.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

class RecordChunks {
 public:
  RecordChunks();
  ~RecordChunks();
  RecordChunks(const RecordChunks&) = delete;
  RecordChunks& operator=(const RecordChunks&) = delete;

  void clear();
  // route53_line: the record's Route 53 line, read again for its unknown fields when it has some.
  void add(const QueryRecord& record, const EnrichedRecord& enriched, std::string_view route53_line);
  // Chunks holding rows, each with its size set.
  [[nodiscard]] std::size_t chunk_count() const { return row_ == 0 ? used_ : used_ + 1; }
  [[nodiscard]] duckdb_data_chunk chunk(std::size_t i);
  [[nodiscard]] std::uint64_t rows() const { return rows_; }
  // Strings that were not valid UTF-8 (stored with the bad bytes as \xNN).
  [[nodiscard]] std::uint64_t repaired_strings() const { return repaired_; }

 private:
  struct Open {
    duckdb_data_chunk chunk = nullptr;
    std::array<duckdb_vector, kStoredColumnCount> vec{};
    std::array<void*, kStoredColumnCount> data{};
    std::array<std::uint64_t*, kStoredColumnCount> validity{};
    std::array<duckdb_vector, 3> answer_fields{};  // children of the answers list's struct
    std::array<duckdb_vector, 3> srcid_fields{};
    std::array<std::uint64_t*, 3> srcid_validity{};
    idx_t answers = 0;  // list child rows used
  };

  // Long texts of the chunks, kept until clear(); blocks are kept for the next job.
  class TextArena {
   public:
    char* copy(std::string_view s);
    void reset();

   private:
    static constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
    struct Block {
      std::unique_ptr<char[]> bytes;
      std::size_t size = 0;
    };
    std::vector<Block> blocks_;
    std::size_t current_ = 0;
    std::size_t used_ = 0;
  };

  void open_chunk();
  void put_string(duckdb_vector v, idx_t row, std::string_view s);  // valid UTF-8 without NUL
  void text(StoredColumn c, std::string_view s);
  void assign(duckdb_vector v, idx_t row, std::string_view s);  // non-empty text, repaired when needed
  void text_to(duckdb_vector v, std::uint64_t* validity, idx_t row, std::string_view s);
  void null(StoredColumn c);
  template <class T>
  void value(StoredColumn c, T v) {
    static_cast<T*>(open_.data[c])[row_] = v;
  }

  std::vector<duckdb_logical_type> types_;
  std::vector<duckdb_data_chunk> chunks_;
  std::size_t used_ = 0;  // full chunks
  idx_t row_ = 0;         // rows in the open chunk
  idx_t capacity_ = 0;
  Open open_;
  std::uint64_t rows_ = 0;
  std::uint64_t repaired_ = 0;
  TextArena arena_;
  std::string scratch_;
  std::string packed_;                                // a threat or firewall_sim JSON object being built
  std::string overflow_;                              // the row's overflow object being built
  std::string unknown_;                               // a record's unknown fields, as JSON members
  std::vector<std::pair<int, int>> answer_codes_;     // the row's answers' Type and Class ENUM codes
  std::string_view storable(std::string_view value);  // repaired into scratch_ when needed
  void pack(std::string& obj, std::string_view key, std::string_view value);
  void pack_number(std::string& obj, std::string_view key, std::int64_t value);
  void pack_answers(std::string& obj, const QueryRecord& r);
  void store_object(StoredColumn c, std::string& obj);  // NULL when obj is empty; then clears obj
  void coded(StoredColumn c, std::string_view s);       // an ENUM column (its domain is stored_columns()[c]'s)
};

}  // namespace dnslens
