"""Real-browser checks in headless Chromium (Debian's `chromium` + `chromium-driver`, driven with selenium).

    python tools/browser_check.py player   # the HTML panorama player of dvd360.player, against erp_to_perspective
    python tools/browser_check.py docs     # every docs page (pandoc HTML of _proc/, `tools/docs.py html`) loads cleanly

`player` writes a textured test video (a dvd360.scene panorama) with `write_html`, opens it, turns the view by dragging
(mouse and touch), arrow keys, +/− and the wheel, and compares the canvas pixels with `erp_to_perspective` of the same
frame at the view the page reports. It also checks that the video plays (and loops or stops), and that the page loads
nothing but itself and `data:` URLs. `docs` renders every processed notebook and checks each page for JavaScript
errors, images that do not load, links into the docs (relative, or absolute to doc_host/doc_baseurl) that do not
resolve to a page and anchor, players that do not draw, and requests that leave the page's folder.

Exit status: 0 passed, 1 failed, 77 skipped (chromium or its driver not installed; pandoc missing, for `docs`).
"""
import argparse, base64, io, json, re, shutil, sys, tempfile, time
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
SKIP = 77
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--window-size=900,700']
# Installed before any page script: collects uncaught errors, rejected promises and CSP violations of every frame.
CATCH_ERRORS = """
(() => {
  const sink = (() => { try { return window.top.__errors || (window.top.__errors = []); } catch (e) { return window.__errors = []; } })();
  window.__errors = sink;
  const where = () => { try { return location.href.slice(0, 80); } catch (e) { return '?'; } };
  addEventListener('error', e => sink.push(`${where()}: ${e.message || ('cannot load ' + (e.target && (e.target.src || e.target.href)))}`), true);
  addEventListener('unhandledrejection', e => sink.push(`${where()}: unhandled rejection: ${e.reason}`));
  addEventListener('securitypolicyviolation', e => sink.push(`${where()}: CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
})();
"""

def browser_paths()->tuple[str|None, str|None]:
    "Chromium and chromedriver executables, or None."
    return (next(filter(None, map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome'))), None),
            shutil.which('chromedriver'))

def start_browser(chrome:str, driver:str, profile:Path):
    "Headless Chromium with a fresh profile, console and network (performance) logs, and the error collector installed."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for f in FLAGS + [f'--user-data-dir={profile}']: opts.add_argument(f)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL', 'performance': 'ALL'})
    d = webdriver.Chrome(options=opts, service=Service(driver))
    d.set_page_load_timeout(120); d.set_script_timeout(60)
    d.execute_cdp_cmd('Page.addScriptToEvaluateOnNewDocument', {'source': CATCH_ERRORS})
    return d

def requests_made(d)->list[str]:
    "URLs the browser requested since the last call (CDP Network.requestWillBeSent events of the performance log)."
    urls = []
    for e in d.get_log('performance'):
        m = json.loads(e['message'])['message']
        if m['method'] == 'Network.requestWillBeSent': urls.append(m['params']['request']['url'])
    return urls

def console_errors(d)->list[str]:
    "SEVERE console messages since the last call, and errors the collector caught on the current page."
    logs = [f"console: {e['message'][:300]}" for e in d.get_log('browser') if e['level'] == 'SEVERE']
    return logs + [f"page: {m[:300]}" for m in (d.execute_script('return window.__errors || []') or [])]

def wait_for(d, js:str, timeout:float=30., what:str='condition'):
    "Poll a JavaScript expression until it is truthy; return its value."
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = d.execute_script(f'return ({js})')
        if v: return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what} ({js})")

# ------------------------------------------------------------------------------------------------------------ player
def test_video():
    "A textured test panorama video: 8 frames of a dvd360.scene world at 128×256, the camera turning and moving."
    import numpy as np
    from dvd360.scene import Scene, render_video, camera_path
    pos, rot = camera_path(8, degrees_per_frame=4., step=0.1)
    frames, _ = render_video(Scene(seed=3), 128, 256, positions=pos, rotations=rot)
    return (frames.permute(0, 2, 3, 1).numpy()*255).round().astype(np.uint8)

def canvas_view(d):
    "Pause, draw, and read (view, RGB pixels) in one script, so the pixels belong to the reported view."
    import numpy as np
    from PIL import Image
    v, url = d.execute_script("const p = window.dvd360Player; p.pause(); const v = p.render(); return [v, p.canvas.toDataURL('image/png')]")
    return v, np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(',', 1)[1]))).convert('RGB')).astype(np.float64)

def reference_view(frame, v:dict, size):
    "erp_to_perspective of a uint8 ERP frame at the view `v` (fov, yaw, pitch in degrees), as float 0–255 (h, w, 3)."
    import torch
    from dvd360.projection import erp_to_perspective
    erp = torch.from_numpy(frame).permute(2, 0, 1).double()/255
    return (erp_to_perspective(erp, v['fov'], v['yaw'], v['pitch'], size=tuple(size))*255).permute(1, 2, 0).numpy()

def embedded_frames(page:str):
    "The frames a player page embeds, decoded with Pillow: uint8 (f, h, w, 3)."
    import numpy as np
    from PIL import Image
    data = json.loads(re.search(r'<script type="application/json" id="dvd360-data">(.*?)</script>', page, re.S).group(1).replace('<\\/', '</'))
    return np.stack([np.asarray(Image.open(io.BytesIO(base64.b64decode(u.split(',', 1)[1]))).convert('RGB')) for u in data['frames']])

def check_player(d, tmp:Path, log)->None:
    "The HTML player in a real browser: interaction, playback, pixels against erp_to_perspective, no network."
    import numpy as np
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.keys import Keys
    from dvd360.player import write_html
    video = test_video()
    size, fps = (180, 320), 10.
    path = write_html(video, tmp/'player.html', fps=fps, size=size, fov=80., yaw=-20., pitch=0.)
    page_url = path.as_uri()
    requests_made(d)
    d.get(page_url)
    d.execute_async_script("const done = arguments[arguments.length - 1]; window.dvd360Player.ready.then(() => done(1), e => done(String(e)))")
    p = lambda expr: d.execute_script(f'return window.dvd360Player.{expr}')
    assert p('loaded') and p('framesDrawn') > 0, "the player did not draw"
    assert (p('numFrames'), p('fps'), p('erpSize'), p('viewSize')) == (8, fps, [128, 256], list(size))
    # plays: the frame index advances (autoplay), wraps around with loop on, stops at the last frame with loop off
    assert p('playing'), "not playing after load (autoplay)"
    seen, wraps, t0 = [p('frame')], 0, time.time()
    while time.time() - t0 < 5 and not (len(set(seen)) == 8 and wraps):
        time.sleep(0.02); seen.append(p('frame')); wraps += seen[-1] < seen[-2]
    elapsed = time.time() - t0
    assert len(set(seen)) == 8 and wraps, f"playback did not show every frame and wrap around within 5 s: {seen}"
    d.execute_script("const p = window.dvd360Player; p.loop = false; p.frame = 5;")
    wait_for(d, '!window.dvd360Player.playing', 5, 'playback to stop at the end without loop')
    assert p('frame') == 7, f"stopped at frame {p('frame')}, not the last"
    d.execute_script("window.dvd360Player.loop = true")
    log(f"plays: all {len(set(seen))} frames and wrapped around in {elapsed:.1f} s; stops at the last frame without loop")
    # the initial view is the one asked for
    assert (p('yaw'), p('pitch'), p('fov')) == (-20, 0, 80), (p('yaw'), p('pitch'), p('fov'))
    # space pauses and resumes (canvas focused by a click)
    canvas = d.find_element('id', 'dvd360-view')
    ActionChains(d).click(canvas).perform()
    d.execute_script("window.dvd360Player.play()")
    ActionChains(d).send_keys(Keys.SPACE).perform(); assert not p('playing'), "space did not pause"
    ActionChains(d).send_keys(Keys.SPACE).perform(); assert p('playing'), "space did not resume"
    d.find_element('id', 'dvd360-play').click(); assert not p('playing'), "the button did not pause"
    # dragging with the mouse grabs the sphere: left → look right (yaw up), down → look up (pitch up); 1/f radians per CSS pixel
    width = d.execute_script("return window.dvd360Player.canvas.clientWidth")
    k = lambda fov: np.degrees(2*np.tan(np.radians(fov)/2)/width)
    y0, p0 = p('yaw'), p('pitch')
    ActionChains(d).move_to_element(canvas).click_and_hold().move_by_offset(-90, 0).move_by_offset(0, 30).release().perform()
    assert abs(p('yaw') - (y0 + 90*k(80))) < 1e-6 and abs(p('pitch') - (p0 + 30*k(80))) < 1e-6, (p('yaw'), p('pitch'), y0 + 90*k(80), p0 + 30*k(80))
    # touch drag (pointer events of a touch pointer): right → look left
    touch = ActionBuilder(d, mouse=PointerInput(interaction.POINTER_TOUCH, 'finger'))
    y1 = p('yaw')
    touch.pointer_action.move_to(canvas).pointer_down().move_by(60, 0).pointer_up()
    touch.perform()
    assert abs(p('yaw') - (y1 - 60*k(80))) < 1e-6, (p('yaw'), y1 - 60*k(80))
    # two fingers pinch: spreading them from 60 to 80 pixels apart narrows the view by 60/80; the view does not turn
    pinch = ActionBuilder(d)
    f1, f2 = (pinch.add_pointer_input(interaction.POINTER_TOUCH, name) for name in ('f1', 'f2'))
    y2, p2 = p('yaw'), p('pitch')
    f1.create_pointer_move(origin=canvas, x=-30, y=0); f2.create_pointer_move(origin=canvas, x=30, y=0)
    f1.create_pointer_down(); f2.create_pointer_down()
    f1.create_pointer_move(origin=canvas, x=-40, y=0, duration=200); f2.create_pointer_move(origin=canvas, x=40, y=0, duration=200)
    f1.create_pointer_up(0); f2.create_pointer_up(0)
    pinch.perform()
    assert abs(p('fov') - 80*60/80) < 1e-9 and (p('yaw'), p('pitch')) == (y2, p2), (p('fov'), p('yaw'), p('pitch'))
    # keys: arrows turn by 5°, + zooms in (fov / 1.1), − out; the wheel zooms out when scrolled down
    ActionChains(d).send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_UP, Keys.ARROW_UP, Keys.ARROW_DOWN, '+', '+', '-').perform()
    assert abs(p('yaw') - (y2 + 10)) < 1e-9 and abs(p('pitch') - (p2 + 5)) < 1e-9 and abs(p('fov') - 60/1.1) < 1e-9, (p('yaw'), p('pitch'), p('fov'))
    f2 = p('fov')
    ActionChains(d).scroll_from_origin(ScrollOrigin.from_element(canvas), 0, 100).perform()
    wait_for(d, f'window.dvd360Player.fov > {f2}', 5, 'the wheel to zoom out')
    assert abs(p('fov') - f2*np.exp(0.1)) < 1e-6, (p('fov'), f2*np.exp(0.1))
    readout = d.find_element('id', 'dvd360-readout').text
    log(f"interaction: mouse drag, touch drag, pinch, keys, wheel → yaw {p('yaw'):.3f}°, pitch {p('pitch'):.3f}°, fov {p('fov'):.3f}°; readout '{readout}'")
    # pixels at the view the page reports, against erp_to_perspective of the same frame
    d.execute_script("window.dvd360Player.frame = 4")
    ActionChains(d).send_keys('.').perform()                                       # '.' steps one frame on (',' back)
    v, img = canvas_view(d)
    assert v['frame'] == 5 and p('playing') is False
    assert readout.startswith('yaw') and f"frame {v['frame'] + 1}/8" in d.find_element('id', 'dvd360-readout').text
    decoded = embedded_frames(path.read_text())
    mad = lambda ref: float(np.abs(img - ref).mean())
    ref = reference_view(decoded[5], v, size)
    vs_decoded, peak, vs_original = mad(ref), float(np.abs(img - ref).max()), mad(reference_view(video[5], v, size))
    off = mad(reference_view(decoded[5], {**v, 'yaw': v['yaw'] + 1}, size))
    log(f"pixels (JPEG page, view yaw {v['yaw']:.2f}° pitch {v['pitch']:.2f}° fov {v['fov']:.2f}° frame 5): mean |canvas − erp_to_perspective| = "
        f"{vs_decoded:.3f} grey levels (max {peak:.2f}) against the embedded frame, {vs_original:.3f} against the original; 1° off in yaw: {off:.3f}")
    assert vs_decoded < 1.0 and vs_original < 4.0 and off > 3*vs_decoded, (vs_decoded, vs_original, off)
    # lossless frames: the same projection to rounding, at views across the seam and near the poles (set from JS)
    png = write_html(video, tmp/'player_png.html', fps=fps, size=size, format='png', autoplay=False)
    d.get(png.as_uri())
    d.execute_async_script("const done = arguments[arguments.length - 1]; window.dvd360Player.ready.then(() => done(1), e => done(String(e)))")
    worst = []
    for yaw, pitch, fov, frame in ((180., 0., 90., 0), (-170., -65., 120., 3), (95., 88., 40., 7)):
        d.execute_script(f"const p = window.dvd360Player; p.yaw = {yaw}; p.pitch = {pitch}; p.fov = {fov}; p.frame = {frame};")
        v, img = canvas_view(d)
        assert (v['yaw'] - yaw) % 360 == 0 and (v['pitch'], v['fov'], v['frame']) == (pitch, fov, frame), v
        err = np.abs(img - reference_view(video[frame], v, size))
        worst.append((err.mean(), err.max()))
    log("pixels (PNG page, seam and poles): mean/max |canvas − erp_to_perspective| = " + ', '.join(f"{a:.3f}/{b:.2f}" for a, b in worst))
    assert all(a < 0.5 and b <= 1.0 for a, b in worst), worst
    # nothing but the two pages themselves and data: URLs was requested
    urls = requests_made(d)
    outside = [u for u in urls if not u.startswith('data:') and u.split('#')[0] not in (page_url, png.as_uri())]
    resources = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    log(f"network: {len(urls)} requests, {sum(u.startswith('data:') for u in urls)} of them data: URLs, the others the two pages; "
        f"{len(resources)} resource timing entries")
    assert not outside and all(r.startswith('data:') for r in resources), (outside, resources)
    errors = console_errors(d)
    assert not errors, errors

# -------------------------------------------------------------------------------------------------------------- docs
def page_ids(path:Path, cache:dict)->set:
    "The element ids of a rendered page (for anchor checks)."
    if path not in cache: cache[path] = set(re.findall(r'\sid="([^"]+)"', path.read_text(errors='replace')))
    return cache[path]

def check_docs(d, tmp:Path, log, reproc:bool=True)->None:
    "Every processed notebook rendered with pandoc loads without errors, with all images and internal links resolving."
    sys.path.insert(0, str(ROOT/'tools'))
    import docs
    from nbdev.config import get_config
    cfg = get_config()
    site = f"{cfg.doc_host.rstrip('/')}/{cfg.doc_baseurl.strip('/')}/"
    out = docs.html(tmp/'site', reproc=reproc)
    pages = sorted(out.glob('*.html'))
    problems, ids, nlinks, nimg, nplayers = [], {}, 0, 0, 0
    for page in pages:
        url = page.as_uri()
        requests_made(d); d.get(url)
        wait_for(d, "document.readyState === 'complete'", 60, f'{page.name} to load')
        players = "[...document.querySelectorAll('iframe')].map(f => { try { return f.contentWindow.dvd360Player; } catch (e) { return null; } }).filter(p => p)"
        n = d.execute_script(f"return {players}.length")
        if n:                                     # embedded players load their frames and draw
            try: wait_for(d, f"{players}.every(p => p.framesDrawn > 0)", 30, f'the players of {page.name} to draw')
            except AssertionError as e: problems.append(f"{page.name}: {e}")
            nplayers += n
        problems += [f"{page.name}: {e}" for e in console_errors(d)]
        imgs = d.execute_script("return [...document.images].map(i => [(i.getAttribute('src') || '').slice(0, 100), i.complete && i.naturalWidth > 0])")
        nimg += len(imgs)
        problems += [f"{page.name}: image does not load: {src}" for src, ok in imgs if not ok]
        for href in d.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"):
            target = href[len(site):] if href.startswith(site) else href
            if re.match(r'[a-z][a-z0-9+.-]*:', target, re.I): continue                # external (http, mailto, …): not checked
            nlinks += 1
            path, _, frag = target.partition('#')
            path = path.partition('?')[0]
            dest = (page.parent/unquote(path)).resolve() if path else page
            if not dest.is_file(): problems.append(f"{page.name}: link to a missing page: {href}"); continue
            if frag and dest.suffix == '.html' and unquote(frag) not in page_ids(dest, ids):
                problems.append(f"{page.name}: link to a missing anchor: {href}")
        outside = [u for u in requests_made(d) if not u.startswith(('data:', 'about:')) and not u.startswith(out.as_uri() + '/')]
        problems += [f"{page.name}: requested {u[:120]}" for u in outside]
    log(f"docs: {len(pages)} pages, {nimg} images, {nlinks} internal links, {nplayers} embedded players checked")
    assert not problems, '\n  ' + '\n  '.join(dict.fromkeys(problems))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('what', choices=['player', 'docs'])
    ap.add_argument('--no-proc', action='store_true', help="docs: render _proc/ as it is (skip nbdev's processing step)")
    args = ap.parse_args()
    chrome, driver = browser_paths()
    if not chrome or not driver:
        missing = ' and '.join(n for n, x in (('chromium', chrome), ('chromedriver', driver)) if not x)
        print(f"skipped: {missing} not installed (apt-get install -y chromium chromium-driver)"); return SKIP
    if args.what == 'docs' and not shutil.which('pandoc'):
        print("skipped: pandoc not installed (apt-get install -y pandoc)"); return SKIP
    try: import selenium
    except ImportError: print("selenium is not installed (pip install -e '.[dev]')", file=sys.stderr); return 1
    log = lambda msg: print(f"  {msg}", flush=True)
    with tempfile.TemporaryDirectory(prefix='dvd360_browser_') as tmp:
        tmp = Path(tmp)
        d = start_browser(chrome, driver, tmp/'profile')
        try:
            log(f"{d.capabilities.get('browserName')} {d.capabilities.get('browserVersion')}, headless")
            if args.what == 'player': check_player(d, tmp, log)
            else: check_docs(d, tmp, log, reproc=not args.no_proc)
        except AssertionError as e:
            print(f"browser check '{args.what}' failed: {e}", file=sys.stderr); return 1
        finally: d.quit()
    return 0

if __name__ == '__main__': sys.exit(main())
