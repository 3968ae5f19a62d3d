// CSVDataset and ImageFolder on fixture files written by the tests.
#include <stb_image_write.h>

#include <filesystem>

#include "ember/data.h"
#include "test_data_files.h"
#include "test_util.h"

using namespace ember;
using namespace ember::data;
using ember::testing::expect_close;
using ember::testing::make;
using ember::testing::TempDir;
using ember::testing::write_file;

TEST(DataCSV, HeaderLabelColumnAndValues) {
  TempDir dir;
  const std::string path = dir.file("table.csv");
  write_file(path, "x, y ,label\n1.5,-2,0\r\n3,4e1,2\n\n");
  CSVDataset table(path, CSVOptions());
  ASSERT_EQ(table.size(), 2);
  EXPECT_EQ(table.feature_names(), (std::vector<std::string>{"x", "y"}));
  expect_close(table.features(), make({1.5, -2, 3, 40}, {2, 2}));
  EXPECT_EQ(table.targets().dtype(), kInt64);
  EXPECT_EQ(table.get(1).target.item<int64_t>(), 2);

  CSVDataset by_name(path, CSVOptions().label_name("x").target_dtype(kFloat32));
  expect_close(by_name.targets(), make({1.5, 3}, {2}));
  expect_close(by_name.get_batch({1})->data, make({40, 2}, {1, 2}));

  write_file(path, "1;2;3\n4;5;6\n");
  CSVDataset no_header(path, CSVOptions().delimiter(';').label_column(0));
  EXPECT_EQ(no_header.size(), 2);
  expect_close(no_header.features(), make({2, 3, 5, 6}, {2, 2}));
}

TEST(DataCSV, BadFilesNameTheLineAndColumn) {
  TempDir dir;
  const std::string path = dir.file("bad.csv");
  write_file(path, "a,b,label\n1,2,0\n1,oops,1\n");
  EXPECT_THROW_WITH((void)CSVDataset(path), path + ":3: column 2 ('b') is not a number: 'oops'");
  write_file(path, "a,b,label\n1,2,0\n1,2\n");
  EXPECT_THROW_WITH((void)CSVDataset(path), path + ":3: expected 3 fields, found 2");
  write_file(path, "a,b,label\n1,2,0.5\n");
  EXPECT_THROW_WITH((void)CSVDataset(path), "is not an integer class");
  EXPECT_THROW_WITH((void)CSVDataset(path, CSVOptions().label_name("nope")),
                    "no column named 'nope'");
  EXPECT_THROW_WITH((void)CSVDataset(dir.file("missing.csv")), "cannot open");
}

TEST(DataImageFolder, ClassesFromFoldersAndDecodedImages) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "cat");
  std::filesystem::create_directories(dir.path() / "dog");
  const unsigned char rgb[2 * 3 * 3] = {255, 0,  0,  0,  255, 0,  0,  0,  255,
                                        10,  20, 30, 40, 50,  60, 70, 80, 90};
  ASSERT_NE(stbi_write_png(dir.file("dog/b.png").c_str(), 3, 2, 3, rgb, 9), 0);
  ASSERT_NE(stbi_write_png(dir.file("dog/a.png").c_str(), 3, 2, 3, rgb, 9), 0);
  ASSERT_NE(stbi_write_jpg(dir.file("cat/x.jpg").c_str(), 3, 2, 3, rgb, 95), 0);
  write_file(dir.file("cat/notes.txt"), "not an image");

  ImageFolder folder(dir.path().string(), transforms::ToTensor());
  EXPECT_EQ(folder.classes(), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(folder.class_to_idx().at("dog"), 1);
  ASSERT_EQ(folder.size(), 3);
  EXPECT_EQ(folder.samples()[1].first, dir.file("dog/a.png"));
  Example png = folder.get(1);
  EXPECT_EQ(png.target.item<int64_t>(), 1);
  EXPECT_EQ(png.data.sizes(), (Shape{3, 2, 3}));
  // PNG is lossless: pixel (row 1, column 2) is (70, 80, 90).
  expect_close(png.data.select(2, 2).select(1, 1), make({70, 80, 90}, {3}) / 255.0);
  EXPECT_EQ(folder.get(0).data.sizes(), (Shape{3, 2, 3}));

  ImageFolder gray(dir.path().string(), nullptr, nullptr, 1);
  EXPECT_EQ(gray.get(2).data.sizes(), (Shape{2, 3, 1}));

  write_file(dir.file("dog/broken.png"), "\x89PNG but not really");
  ImageFolder broken(dir.path().string());
  EXPECT_THROW_WITH(broken.get(3), "cannot decode " + dir.file("dog/broken.png"));
  EXPECT_THROW_WITH(ImageFolder(dir.file("nowhere")), "is not a directory");
}
