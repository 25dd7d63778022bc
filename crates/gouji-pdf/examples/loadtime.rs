//! Times lopdf's load alone, to see how much of an extraction is parsing.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return;
    };
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    let t = std::time::Instant::now();
    for _ in 0..50 {
        let _ = lopdf::Document::load_mem(&bytes);
    }
    println!("load: {:?}", t.elapsed() / 50);
    let Ok(doc) = lopdf::Document::load_mem(&bytes) else {
        return;
    };
    let t = std::time::Instant::now();
    for _ in 0..50 {
        for (_, id) in doc.get_pages() {
            let c = doc.get_page_content(id);
            let n = lopdf::content::Content::decode_iter(&c).count();
            std::hint::black_box(n);
        }
    }
    println!("content decode: {:?}", t.elapsed() / 50);
}
