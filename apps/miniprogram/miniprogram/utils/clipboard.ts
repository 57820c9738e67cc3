/** Copies `text` (a tracking number) and says so: 已复制, or 复制失败 when WeChat refused. */
export function copyText(text: string): Promise<void> {
  return new Promise((resolve) => {
    wx.setClipboardData({
      data: text,
      success: () => {
        wx.showToast({ title: '已复制', icon: 'success' });
        resolve();
      },
      fail: () => {
        wx.showToast({ title: '复制失败', icon: 'none' });
        resolve();
      },
    });
  });
}
